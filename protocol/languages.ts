/**
 * Languages the editor highlights. The id is stored in the document's `meta` map and in Postgres; the web
 * client maps it to a lazily loaded CodeMirror language package.
 */
export const LANGUAGES = [
  { id: "plaintext", label: "Plain text", extension: "txt" },
  { id: "javascript", label: "JavaScript", extension: "js" },
  { id: "typescript", label: "TypeScript", extension: "ts" },
  { id: "python", label: "Python", extension: "py" },
  { id: "rust", label: "Rust", extension: "rs" },
  { id: "go", label: "Go", extension: "go" },
  { id: "json", label: "JSON", extension: "json" },
  { id: "markdown", label: "Markdown", extension: "md" },
  { id: "html", label: "HTML", extension: "html" },
  { id: "css", label: "CSS", extension: "css" },
] as const;

export type LanguageId = (typeof LANGUAGES)[number]["id"];

export const DEFAULT_LANGUAGE: LanguageId = "plaintext";

export function isLanguageId(value: unknown): value is LanguageId {
  return LANGUAGES.some((language) => language.id === value);
}
