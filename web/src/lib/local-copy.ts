import type { Role } from "@collab/protocol";
import { IndexeddbPersistence } from "y-indexeddb";
import type * as Y from "yjs";

/**
 * A document's copy in this browser: every update of the Y.Doc, local or from the room, in IndexedDB
 * (`y-indexeddb`), so that what was typed survives a reload, a closed tab or a browser restart while the room
 * is unreachable, and the editor opens from it before the network answers.
 *
 * One database per account and document, `collab:<userId>:<docId>`: another account on the same browser
 * opens other databases and never sees these. They are deleted on logout ({@link deleteLocalCopies}) and when
 * access to the document ends ({@link LocalCopy.erase}).
 *
 * Beside the updates, the database keeps (in y-indexeddb's `custom` store) whether it ever synced with the
 * room (a copy that never did is only what we typed, not the document, and must not be shown as if it were),
 * the role the room last granted (so the editor is writable offline), and how many changes the room has not
 * acknowledged yet.
 *
 * @example
 * const copy = new LocalCopy(user.id, docId, doc);
 * const state = await copy.loaded; // { available: true, roomSynced: true, role: "editor", unsynced: 0 }
 */
export interface LocalCopyState {
  /** False when IndexedDB could not be opened (private mode, quota, blocked): nothing survives a reload. */
  available: boolean;
  /** The copy has synced with the room before: it is the document, and can be shown at once. */
  roomSynced: boolean;
  role: Role | undefined;
  /** Changes the room had not acknowledged when the last page closed. */
  unsynced: number;
}

const DATABASE_PREFIX = "collab";

export function localCopyName(userId: string, docId: string): string {
  return `${DATABASE_PREFIX}:${userId}:${docId}`;
}

export class LocalCopy {
  readonly loaded: Promise<LocalCopyState>;
  #persistence: IndexeddbPersistence | undefined;
  #available = false;
  /** An update was handed to y-indexeddb after the last flush marker started. */
  #dirty = false;
  #markerInFlight = false;
  readonly #doc: Y.Doc;

  readonly #onWriting: (writing: boolean) => void;

  /** @param onWriting told when {@link writing} changes (for the status: "kept on this device" only once it is). */
  constructor(userId: string, docId: string, doc: Y.Doc, onWriting: (writing: boolean) => void = () => {}) {
    this.#doc = doc;
    this.#onWriting = onWriting;
    this.loaded = this.#open(localCopyName(userId, docId), doc);
    // Registered after y-indexeddb's own listener (created in #open, synchronously), so it runs after the
    // update's write was queued.
    doc.on("update", this.#onUpdate);
  }

  /** True once loaded, unless IndexedDB failed: then unsynced changes live only in this tab. */
  get available(): boolean {
    return this.#available;
  }

  /**
   * True while an update handed to IndexedDB may not be committed yet. y-indexeddb writes each update
   * without telling when it is on disk, and a page unloaded in that moment (a reload a few milliseconds
   * after a keystroke) aborts the write; the page asks before leaving while this holds.
   */
  get writing(): boolean {
    return this.#dirty || this.#markerInFlight;
  }

  #onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (!this.#available || this.isOrigin(origin)) return;
    const was = this.writing;
    this.#dirty = true;
    if (!this.#markerInFlight) this.#startMarker();
    if (!was) this.#onWriting(true);
  };

  /**
   * An empty read-write transaction on y-indexeddb's store: IndexedDB runs read-write transactions on the
   * same store in the order they were created, so when this one completes, every write queued before it
   * has committed. One marker at a time covers any number of keystrokes.
   */
  #startMarker(): void {
    const db = this.#persistence?.db;
    if (!db) return;
    this.#dirty = false;
    this.#markerInFlight = true;
    const done = () => {
      this.#markerInFlight = false;
      if (this.#dirty) this.#startMarker();
      else this.#onWriting(false);
    };
    try {
      const marker = db.transaction(["updates"], "readwrite");
      marker.oncomplete = marker.onabort = marker.onerror = done;
    } catch {
      // The database is closing (erase, destroy): nothing more will be written anyway.
      this.#markerInFlight = false;
      this.#onWriting(false);
    }
  }

  /** True for updates the local copy applied (they are not this person's new changes). */
  isOrigin(origin: unknown): boolean {
    return origin !== undefined && origin === this.#persistence;
  }

  /** Records facts about the copy (fire and forget: losing one only costs accuracy, never text). */
  remember(facts: { roomSynced?: true; role?: Role; unsynced?: number }): void {
    // After the open: the room can answer before a slow IndexedDB has opened, and the fact must not be lost.
    void this.loaded.then(({ available }) => {
      const persistence = this.#persistence;
      if (!persistence || !available || !this.#available) return;
      for (const [key, value] of Object.entries(facts)) {
        if (value !== undefined) persistence.set(key, value as string | number).catch(() => {});
      }
    });
  }

  /** Access ended: the text must not stay in this browser. */
  async erase(): Promise<void> {
    this.#available = false;
    await this.#persistence?.clearData().catch((error: unknown) => console.warn("Could not delete the local copy", error));
  }

  async destroy(): Promise<void> {
    this.#available = false;
    this.#doc.off("update", this.#onUpdate);
    await this.#persistence?.destroy().catch(() => {});
  }

  async #open(name: string, doc: Y.Doc): Promise<LocalCopyState> {
    const none: LocalCopyState = { available: false, roomSynced: false, role: undefined, unsynced: 0 };
    if (typeof indexedDB === "undefined") return none;
    try {
      const persistence = new IndexeddbPersistence(name, doc);
      this.#persistence = persistence;
      // A failed open rejects `_db` and never resolves `whenSynced`. No timeout: the room's first sync shows
      // the document anyway, and a slow open (a new profile on a loaded machine takes seconds) still counts.
      await persistence._db;
      await persistence.whenSynced;
      const [roomSynced, role, unsynced] = await Promise.all([persistence.get("roomSynced"), persistence.get("role"), persistence.get("unsynced")]);
      this.#available = true;
      return {
        available: true,
        roomSynced: roomSynced === true,
        role: typeof role === "string" ? (role as Role) : undefined,
        unsynced: typeof unsynced === "number" ? unsynced : 0,
      };
    } catch (error) {
      console.warn("No local copy of this document: IndexedDB is unavailable", error);
      return none;
    }
  }
}

/**
 * Deletes every local copy of one account (on logout). Other accounts' copies stay. Copies still open in
 * another tab are deleted once that tab closes them (IndexedDB queues the deletion).
 */
export async function deleteLocalCopies(userId: string): Promise<void> {
  if (typeof indexedDB === "undefined" || typeof indexedDB.databases !== "function") return;
  const prefix = localCopyName(userId, "");
  const databases = await indexedDB.databases();
  await Promise.all(
    databases
      .flatMap((database) => (database.name?.startsWith(prefix) ? [database.name] : []))
      .map(
        (name) =>
          new Promise<void>((resolve) => {
            const request = indexedDB.deleteDatabase(name);
            request.onsuccess = request.onerror = () => resolve();
            // Blocked by an open connection in another tab: the deletion still happens when it closes.
            request.onblocked = () => resolve();
          }),
      ),
  );
}

/** Deletes one document's local copy (after leaving it): what you no longer share does not stay on the device. */
export function deleteLocalCopy(userId: string, docId: string): Promise<void> {
  if (typeof indexedDB === "undefined") return Promise.resolve();
  return new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(localCopyName(userId, docId));
    request.onsuccess = request.onerror = () => resolve();
    // Open in another tab: deleted once that tab closes it (its socket closes with 4403, which erases it too).
    request.onblocked = () => resolve();
  });
}
