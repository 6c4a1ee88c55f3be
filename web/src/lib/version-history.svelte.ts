import type { VersionSummary } from "@collab/protocol";
import { messageOf, versions } from "./api/index.ts";

/**
 * The history panel's list: the newest page of versions, then older pages on request ("Load more", keyset
 * pagination through the API's `nextCursor`). A reload replaces the list; an answer that arrives after a
 * newer reload started is dropped.
 */
export class VersionHistory {
  items = $state.raw<VersionSummary[]>([]);
  /** Null when the oldest version is in `items`. */
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | undefined>();

  #generation = 0;

  constructor(readonly docId: string) {}

  async reload(): Promise<void> {
    const generation = ++this.#generation;
    await this.#load(generation, undefined);
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loading) return;
    await this.#load(this.#generation, this.nextCursor);
  }

  async #load(generation: number, cursor: string | undefined): Promise<void> {
    this.loading = true;
    try {
      const page = await versions.list(this.docId, cursor);
      if (generation !== this.#generation) return;
      // A version made between two pages shifts nothing (keyset), but a reload racing a page could repeat one.
      const known = new Set(cursor ? this.items.map((item) => item.id) : []);
      this.items = [...(cursor ? this.items : []), ...page.items.filter((item) => !known.has(item.id))];
      this.nextCursor = page.nextCursor;
      this.error = undefined;
    } catch (error) {
      if (generation === this.#generation) this.error = messageOf(error);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }
}
