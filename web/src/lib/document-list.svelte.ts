import type { DocumentSummary, UpdateDocumentRequest } from "@collab/protocol";
import { documents, members, type DocumentFilter, type DocumentSort } from "./api/index.ts";
import { deleteLocalCopy } from "./local-copy.ts";

export type { DocumentFilter, DocumentSort };

const PAGE_SIZE = 20;
/** The API's largest page: a refresh covers at most this many rows of what is on screen. */
const MAX_REFRESH = 100;

/**
 * The signed-in person's documents, one filter at a time, a page at a time (cursor pagination: "load more"
 * appends the next page). Changing the filter cancels whatever is in flight, so a slow answer for the old
 * filter never lands in the new list. Row actions (rename, language, delete, leave) keep their error per row.
 *
 * @example
 * const list = new DocumentListState(session.handle);
 * void list.show("owned");
 */
export class DocumentListState {
  filter = $state<DocumentFilter>("all");
  /** The search text the list on screen was loaded with (titles containing it). */
  query = $state("");
  sort = $state<DocumentSort>("recent");
  /** The document just moved to the trash, while its "Undo" is offered. */
  trashed = $state.raw<DocumentSummary | undefined>();
  items = $state.raw<DocumentSummary[]>([]);
  nextCursor = $state<string | null>(null);
  /** `loading` while the first page of a filter loads. */
  status = $state<"loading" | "ready" | "failed">("loading");
  loadingMore = $state(false);
  /** Why the list (or its next page) could not be loaded. */
  error = $state<string | undefined>();
  /** Document id -> why its last action failed. */
  rowErrors = $state.raw<Record<string, string>>({});

  readonly #describe: (error: unknown) => string;
  #controller: AbortController | undefined;

  constructor(describe: (error: unknown) => string) {
    this.#describe = describe;
  }

  async show(filter: DocumentFilter, view: { query?: string; sort?: DocumentSort } = {}): Promise<void> {
    // In the Trash the deleted document is on screen with its own Restore: the Undo has done its job.
    if (filter === "trash") this.trashed = undefined;
    this.filter = filter;
    if (view.query !== undefined) this.query = view.query.trim();
    if (view.sort !== undefined) this.sort = view.sort;
    this.items = [];
    this.nextCursor = null;
    this.status = "loading";
    await this.#load(undefined);
  }

  async loadMore(): Promise<void> {
    if (this.nextCursor === null || this.loadingMore || this.status !== "ready") return;
    this.loadingMore = true;
    await this.#load(this.nextCursor);
  }

  /** Renames or changes the language; resolves false (with a row error) when the worker refused. */
  async update(id: string, patch: UpdateDocumentRequest): Promise<boolean> {
    return this.#rowAction(id, async () => {
      const updated = await documents.update(id, patch);
      this.items = this.items.map((item) => (item.id === id ? updated : item));
    });
  }

  /**
   * Leaves a document someone shared with you: the worker closes your sockets (4403) and it leaves the list;
   * its local copy on this device is erased.
   */
  async leave(id: string, selfId: string): Promise<boolean> {
    return this.#rowAction(id, async () => {
      await members.remove(id, selfId);
      this.items = this.items.filter((item) => item.id !== id);
      await deleteLocalCopy(selfId, id);
    });
  }

  /** Moves a document to the trash; it can be brought back with {@link undoRemove} (or from the Trash). */
  async remove(id: string): Promise<boolean> {
    return this.#rowAction(id, async () => {
      await documents.remove(id);
      this.trashed = this.items.find((item) => item.id === id);
      this.items = this.items.filter((item) => item.id !== id);
    });
  }

  /** Restores the document the last delete moved to the trash, and reloads the list so it is back in its place. */
  async undoRemove(): Promise<boolean> {
    const doc = this.trashed;
    if (!doc) return false;
    this.trashed = undefined;
    try {
      await documents.restore(doc.id);
    } catch (error) {
      this.error = this.#describe(error);
      return false;
    }
    await this.show(this.filter);
    return true;
  }

  dismissTrashed(): void {
    this.trashed = undefined;
  }

  /** Takes a document out of the trash (the Trash view's Restore). */
  async restore(id: string): Promise<boolean> {
    return this.#rowAction(id, async () => {
      await documents.restore(id);
      if (this.filter === "trash") this.items = this.items.filter((item) => item.id !== id);
    });
  }

  /**
   * Brings the titles, languages, roles and times of the rows on screen up to date (someone renamed a
   * document, or switched its language in the editor) without reordering them or losing later pages; rows
   * that are gone stay until the next `show`. Failures are quiet: the next refresh tries again.
   */
  async refresh(): Promise<void> {
    if (this.status !== "ready" || this.loadingMore || this.items.length === 0) return;
    const filter = this.filter;
    try {
      const { query, sort } = this;
      const page = await documents.list({ filter, q: query || undefined, sort, limit: Math.min(Math.max(this.items.length, PAGE_SIZE), MAX_REFRESH) });
      if (filter !== this.filter || query !== this.query || sort !== this.sort || this.status !== "ready") return;
      const fresh = new Map(page.items.map((item) => [item.id, item]));
      let changed = false;
      const items = this.items.map((item) => {
        const next = fresh.get(item.id);
        if (!next || sameSummary(item, next)) return item;
        changed = true;
        return next;
      });
      if (changed) this.items = items;
    } catch {
      // Quiet on purpose: a missed refresh is retried, and a lost session reaches the person elsewhere.
    }
  }

  clearRowError(id: string): void {
    if (!(id in this.rowErrors)) return;
    const { [id]: _removed, ...rest } = this.rowErrors;
    this.rowErrors = rest;
  }

  destroy(): void {
    this.#controller?.abort();
  }

  async #load(cursor: string | undefined): Promise<void> {
    this.#controller?.abort();
    const controller = (this.#controller = new AbortController());
    this.error = undefined;
    try {
      const page = await documents.list({ filter: this.filter, q: this.query || undefined, sort: this.sort, limit: PAGE_SIZE, cursor }, controller.signal);
      // Another page may be on screen already if ids repeat across pages (edited while paging): keep one.
      const seen = new Set(this.items.map((item) => item.id));
      this.items = [...this.items, ...page.items.filter((item) => !seen.has(item.id))];
      this.nextCursor = page.nextCursor;
      this.status = "ready";
    } catch (error) {
      if (controller.signal.aborted) return;
      this.error = this.#describe(error);
      if (cursor === undefined) this.status = "failed";
    } finally {
      if (this.#controller === controller) this.loadingMore = false;
    }
  }

  async #rowAction(id: string, action: () => Promise<void>): Promise<boolean> {
    this.clearRowError(id);
    try {
      await action();
      return true;
    } catch (error) {
      this.rowErrors = { ...this.rowErrors, [id]: this.#describe(error) };
      return false;
    }
  }
}

function sameSummary(a: DocumentSummary, b: DocumentSummary): boolean {
  return a.title === b.title && a.language === b.language && a.role === b.role && a.updatedAt === b.updatedAt;
}
