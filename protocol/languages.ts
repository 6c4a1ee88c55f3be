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

/**
 * The file name a download gets: the title made safe for a file system, with the language's extension
 * unless the title already ends with it (`three.js` stays `three.js`, `notes` in Markdown is `notes.md`).
 *
 * @example
 * downloadName("three.js", "javascript"); // "three.js"
 */
export function downloadName(title: string, language: string): string {
  const extension = LANGUAGES.find((entry) => entry.id === language)?.extension ?? "txt";
  const base = safeFileName(title);
  return base.toLowerCase().endsWith(`.${extension}`) ? base : `${base}.${extension}`;
}

function safeFileName(title: string): string {
  const safe = title
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^\w.-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 80);
  return safe || "document";
}
