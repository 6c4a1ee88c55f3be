import { loadSnapshot, openDatabase, saveSnapshot } from "@collab/db";
import { DEFAULT_LANGUAGE, DocRoot, MetaKey } from "@collab/protocol";
import type * as Party from "partykit/server";
import { unstable_getYDoc, type YPartyKitOptions } from "y-partykit";
import * as Y from "yjs";
import type { RoomConfig } from "./config.ts";
import { GroupCommit } from "./group-commit.ts";
import { SnapshotScheduler } from "./snapshot-scheduler.ts";
import { UpdateLog } from "./update-log.ts";

/** Queued updates past this size are committed at once instead of at the end of the turn. */
const FLUSH_NOW_BYTES = 4 * 1024 * 1024;

export class RoomUnavailableError extends Error {
  override name = "RoomUnavailableError";
}

/**
 * Where a room's document lives and when it is written: loaded once (room storage, else the latest Postgres
 * snapshot), every update group-committed to room storage before any message that depends on it leaves, and
 * a debounced snapshot written to Postgres. See PROTOCOL.md.
 */
export class DocumentStore {
  readonly commit: GroupCommit;
  /** Given to y-partykit: the same object every time, or it warns that options changed. */
  readonly yOptions: YPartyKitOptions;
  readonly #room: Party.Room;
  readonly #config: RoomConfig;
  readonly #log: UpdateLog;
  readonly #snapshots: SnapshotScheduler;
  #source: Y.Doc | undefined;
  #loading: Promise<Y.Doc> | undefined;
  #doc: Y.Doc | undefined;
  #docId: string | undefined;
  #forgotten = false;

  constructor(room: Party.Room, config: RoomConfig) {
    this.#room = room;
    this.#config = config;
    this.#log = new UpdateLog(room.storage);
    this.commit = new GroupCommit(() => this.#commitUpdates());
    this.yOptions = { gc: true, load: async () => this.#source ?? null };
    this.#snapshots = new SnapshotScheduler({
      save: () => this.#saveSnapshot(),
      debounceMs: config.snapshotDebounceMs,
      maxWaitMs: config.snapshotMaxWaitMs,
      onError: (error, retryInMs) => {
        console.error(`[room ${this.#docId}] snapshot save failed, retrying in ${retryInMs} ms:`, errorText(error));
        // Timers do not keep an idle object alive; an alarm wakes it to retry.
        void room.storage.setAlarm(Date.now() + retryInMs).catch(() => {});
      },
    });
  }

  /** Storage puts and bytes since the room started. */
  get storageStats(): { writes: number; bytes: number } {
    return this.#log.stats;
  }

  /** The loaded document, once loading has finished. */
  get doc(): Y.Doc | undefined {
    return this.#doc;
  }

  /** Loads the document once; a failed load is forgotten so the next connection tries again. */
  ready(docId: string): Promise<Y.Doc> {
    this.#loading ??= this.#load(docId).catch((error) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  /** The document id remembered in storage, for alarms (which run without the room id). */
  storedDocId(): Promise<string | undefined> {
    return this.#room.storage.get<string>("doc:id");
  }

  /** Whether applying `updateBytes` more would grow the document past the maximum size. */
  wouldExceedMaxSize(updateBytes: number): boolean {
    const max = this.#config.maxDocumentBytes;
    if (this.#log.storedBytes + updateBytes <= max) return false;
    // The estimate counts updates that compaction would shrink: measure before refusing.
    return !this.#doc || Y.encodeStateAsUpdate(this.#doc).byteLength + updateBytes > max;
  }

  /** The last connection left: compact room storage and write the Postgres snapshot now. */
  lastPeerLeft(): void {
    if (!this.#doc || this.#forgotten) return;
    this.commit.flush();
    this.#log.compact(Y.encodeStateAsUpdate(this.#doc));
    void this.#snapshots.flush();
  }

  /** True while the latest Postgres save failed (it keeps retrying in the background). */
  get saveFailing(): boolean {
    return this.#snapshots.failures > 0;
  }

  /** Writes the Postgres snapshot now (after a REST edit, or from an alarm). */
  saveNow(): Promise<void> {
    return this.#snapshots.flush();
  }

  /** The document was deleted: stop saving it anywhere. */
  forget(): void {
    this.#forgotten = true;
    this.#snapshots.dispose();
  }

  async #load(docId: string): Promise<Y.Doc> {
    this.#docId = docId;
    const source = new Y.Doc();
    const stored = await this.#log.load();
    if (!UpdateLog.isEmpty(stored)) {
      // One transaction: a log holds thousands of keystroke updates, and observers run once.
      source.transact(() => {
        for (const update of stored.updates) Y.applyUpdate(source, update);
      });
      // Postgres may be behind (a crash before the last save): write a snapshot soon.
      this.#snapshots.markDirty();
    } else {
      // Nothing in room storage: a new document, or one whose room storage is gone. Only a successful read
      // decides which; a failure or timeout refuses the connection rather than serve an empty document
      // that a later save would write over the real one.
      const snapshot = await withTimeout(this.#readSnapshot(docId), this.#config.loadTimeoutMs);
      if (snapshot) {
        Y.applyUpdate(source, snapshot.state);
        this.#log.compact(snapshot.state);
      }
    }
    if (stored.docId !== docId) this.#log.rememberDocId(docId);
    this.#source = source;
    const doc = await unstable_getYDoc(this.#room, this.yOptions);
    this.#source = undefined;
    this.#doc = doc;
    doc.on("update", (update: Uint8Array) => {
      if (this.#forgotten) return;
      this.#log.append(update);
      if (this.#log.pendingBytes > FLUSH_NOW_BYTES) this.commit.flush();
      else this.commit.schedule();
      this.#snapshots.markDirty();
    });
    return doc;
  }

  #commitUpdates(): void {
    if (this.#forgotten) return;
    if (this.#log.needsCompaction && this.#doc) this.#log.compact(Y.encodeStateAsUpdate(this.#doc));
    else this.#log.flush();
  }

  async #readSnapshot(docId: string) {
    const { db, end } = openDatabase({ databaseUrl: this.#config.databaseUrl, wsProxy: this.#config.dbWsProxy });
    try {
      return await loadSnapshot(db, docId);
    } finally {
      void end().catch(() => {});
    }
  }

  async #saveSnapshot(): Promise<void> {
    const doc = this.#doc;
    const docId = this.#docId;
    if (!doc || !docId || this.#forgotten) return;
    const language = doc.getMap(DocRoot.meta).get(MetaKey.language);
    const { db, end } = openDatabase({ databaseUrl: this.#config.databaseUrl, wsProxy: this.#config.dbWsProxy });
    try {
      const saved = await saveSnapshot(db, {
        docId,
        state: Y.encodeStateAsUpdate(doc),
        text: doc.getText(DocRoot.content).toString(),
        language: typeof language === "string" ? language : DEFAULT_LANGUAGE,
      });
      if (!saved) console.warn(`[room ${docId}] not saved: no such document in Postgres (deleted, or never created through the API)`);
    } finally {
      void end().catch(() => {});
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RoomUnavailableError(`timed out after ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
