import type { LanguageId } from "@collab/protocol";
import type { Extension } from "@codemirror/state";

/**
 * How to load each language's CodeMirror support. Every entry is a dynamic `import()`, so Vite emits each
 * language package as its own chunk and a page only downloads the languages its document uses. Keyed by
 * `LanguageId` with `satisfies`: a language added to the contract without a loader here fails to compile.
 */
const loaders = {
  plaintext: async () => [],
  javascript: async () => (await import("@codemirror/lang-javascript")).javascript({ jsx: true }),
  typescript: async () => (await import("@codemirror/lang-javascript")).javascript({ typescript: true, jsx: true }),
  python: async () => (await import("@codemirror/lang-python")).python(),
  rust: async () => (await import("@codemirror/lang-rust")).rust(),
  go: async () => (await import("@codemirror/lang-go")).go(),
  json: async () => (await import("@codemirror/lang-json")).json(),
  markdown: async () => (await import("@codemirror/lang-markdown")).markdown(),
  html: async () => (await import("@codemirror/lang-html")).html(),
  css: async () => (await import("@codemirror/lang-css")).css(),
} satisfies Record<LanguageId, () => Promise<Extension>>;

/** The CodeMirror extension for a language; rejects if its chunk cannot be fetched (e.g. offline). */
export function loadLanguageSupport(id: LanguageId): Promise<Extension> {
  return loaders[id]();
}
