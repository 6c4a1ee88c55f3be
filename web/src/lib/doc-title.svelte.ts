import { DocRoot, MetaKey, Title } from "@collab/protocol";
import type * as Y from "yjs";

/**
 * The title as the room last announced it, in the Y.Doc's `meta` map (the worker's rename sets it there
 * through the room, so everyone with the document open sees it at once). Any editor can write that map,
 * so a value that is not a valid title is ignored and the caller falls back to the title from the API.
 */
export class DocTitle {
  /** The room's title, or undefined when it has none (a document never renamed) or a bad one. */
  live: string | undefined = $state();

  readonly #meta: Y.Map<unknown>;

  constructor(doc: Y.Doc) {
    this.#meta = doc.getMap(DocRoot.meta);
    this.#meta.observe(this.#read);
    this.#read();
  }

  destroy(): void {
    this.#meta.unobserve(this.#read);
  }

  #read = (): void => {
    const parsed = Title.safeParse(this.#meta.get(MetaKey.title));
    this.live = parsed.success ? parsed.data : undefined;
  };
}
