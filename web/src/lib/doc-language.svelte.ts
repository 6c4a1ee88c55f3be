import { DEFAULT_LANGUAGE, DocRoot, MetaKey, isLanguageId, type LanguageId } from "@collab/protocol";
import type * as Y from "yjs";

/**
 * The document's language, stored in the Y.Doc's `meta` map so that every peer switches together. A
 * missing or unknown value (an older client, a typo) reads as the default rather than breaking the editor.
 */
export class DocLanguage {
  current: LanguageId = $state(DEFAULT_LANGUAGE);

  readonly #meta: Y.Map<unknown>;

  constructor(doc: Y.Doc) {
    this.#meta = doc.getMap(DocRoot.meta);
    this.#meta.observe(this.#read);
    this.#read();
  }

  set(id: LanguageId): void {
    if (this.#meta.get(MetaKey.language) !== id) this.#meta.set(MetaKey.language, id);
  }

  destroy(): void {
    this.#meta.unobserve(this.#read);
  }

  #read = (): void => {
    const value = this.#meta.get(MetaKey.language);
    this.current = isLanguageId(value) ? value : DEFAULT_LANGUAGE;
  };
}
