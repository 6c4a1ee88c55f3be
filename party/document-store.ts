import { createLogger, DEFAULT_LANGUAGE, DocRoot, MetaKey, type Logger } from "@collab/protocol";
import type * as Party from "partykit/server";
import { unstable_getYDoc, type YPartyKitOptions } from "y-partykit";
import * as Y from "yjs";
import type { RoomConfig } from "./config.ts";
import type { RoomDatabase } from "./database.ts";
import { GroupCommit } from "./group-commit.ts";
import { clearPending, encodeStateWithoutPending, pendingBytes } from "./pending-budget.ts";
import { PostgresSnapshots, stateVectorOf } from "./postgres-snapshots.ts";
import { SAVE_JITTER, SnapshotScheduler } from "./snapshot-scheduler.ts";
import { StorageWriteError, UpdateLog } from "./update-log.ts";

/** Queued updates past this size are committed at once instead of at the end of the turn. */
const FLUSH_NOW_BYTES = 4 * 1024 * 1024;
/** A room whose storage holds the document waits this long for Postgres to merge its snapshot on load. */
const MERGE_ON_LOAD_WAIT_MS = 2_000;
/** While room storage refuses writes, it is probed this often... */
const STORAGE_PROBE_MS = 1_000;
/**
 * ...and after this many failed probes the readers are closed too (4502). On workerd a failed write breaks
 * the object's storage for good ("Durable Object storage is no longer accessible"): only a new instance,
 * which the runtime creates for the next connection, can write again.
 */
const PROBES_BEFORE_CLOSING_READERS = 5;

export class RoomUnavailableError extends Error {
  override name = "RoomUnavailableError";
}

export interface DocumentStoreHooks {
  /** Room storage refused a write: close the writers (4502). Called once per outage. */
  onStorageFailed(error: StorageWriteError): void;
  /** Storage stayed unusable through several probes: close everyone (4502) so they reconnect elsewhere. */
  onStorageLost(): void;
  /** A Postgres snapshot was written, or an attempt failed (it is retried): for the room's metrics. */
  onSnapshot?(saved: boolean): void;
}

/**
 * Where a room's document lives and when it is written: loaded once (room storage merged with the latest
 * Postgres snapshot), every update group-committed to room storage before any message that depends on it
 * leaves, and a debounced snapshot written to Postgres that never overwrites a newer one. When room storage
 * refuses a write the store stops: nothing leaves, writers are closed, and it probes storage until it
 * accepts the full state again. See PROTOCOL.md.
 */
export class DocumentStore {
  readonly commit: GroupCommit;
  /** Given to y-partykit for every connection, viewers too: the same object every time. */
  readonly yOptions: YPartyKitOptions;
  readonly #room: Party.Room;
  readonly #config: RoomConfig;
  readonly #hooks: DocumentStoreHooks;
  readonly #log: UpdateLog;
  readonly #postgres: PostgresSnapshots;
  readonly #snapshots: SnapshotScheduler;
  #source: Y.Doc | undefined;
  #loading: Promise<Y.Doc> | undefined;
  #doc: Y.Doc | undefined;
  #docId: string | undefined;
  #forgotten = false;
  /** Whether the Postgres snapshot was merged since the room loaded: until then no save may overwrite it. */
  #postgresMerged = false;
  #postgresHadSnapshot: boolean | undefined;
  /** Set while room storage refuses writes. */
  #storageFailure: StorageWriteError | undefined;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #failedProbes = 0;
  readonly #baseLog: Logger;
  /** Since when edits wait for a Postgres snapshot; undefined while Postgres is current. */
  #unsavedSince: number | undefined;

  constructor(room: Party.Room, config: RoomConfig, database: RoomDatabase, hooks: DocumentStoreHooks) {
    this.#room = room;
    this.#config = config;
    this.#hooks = hooks;
    this.#baseLog = createLogger({ level: config.logLevel });
    this.#log = new UpdateLog(room.storage, (error) => this.#storageFailed(error));
    this.#postgres = new PostgresSnapshots(database);
    this.commit = new GroupCommit(() => this.#commitUpdates(), { unsafeCommitDelayMs: config.unsafeCommitDelayMs });
    // y-partykit compares each connection's options with the first ones by JSON.stringify and logs an error
    // when they differ, so viewers get these too rather than `readOnly: true`: the room never hands a
    // viewer's writes to y-partykit (dropped on their header in server.ts onMessage), which is all
    // `readOnly` would do.
    this.yOptions = { gc: true, load: async () => this.#source ?? null };
    this.#snapshots = new SnapshotScheduler({
      save: async () => {
        const started = Date.now();
        await this.#saveSnapshot();
        // Edits made during the save wait for the next one: count their wait from the save's start.
        this.#unsavedSince = this.#snapshots.dirty ? started : undefined;
        this.#hooks.onSnapshot?.(true);
      },
      debounceMs: config.snapshotDebounceMs,
      maxWaitMs: config.snapshotMaxWaitMs,
      // Rooms loaded together (after a deploy) would otherwise all write Postgres in the same instant.
      jitter: SAVE_JITTER,
      onError: (error, retryInMs) => {
        this.#logger.error("snapshot save failed, retrying", { retryInMs, error: errorText(error) });
        this.#hooks.onSnapshot?.(false);
        // Timers do not keep an idle object alive; an alarm wakes it to retry.
        void room.storage.setAlarm(Date.now() + retryInMs).catch(() => {});
      },
    });
  }

  /** Lines about this room: `room` is known once the document loaded (or an alarm read it from storage). */
  get #logger(): Logger {
    return this.#baseLog.child({ room: this.#docId });
  }

  /** How long the oldest edit not yet in Postgres has waited (0 when Postgres is current). */
  get snapshotAgeMs(): number {
    return this.#unsavedSince === undefined ? 0 : Date.now() - this.#unsavedSince;
  }

  /** Storage puts and bytes since the room started. */
  get storageStats(): { writes: number; bytes: number } {
    return this.#log.stats;
  }

  /** The loaded document, once loading has finished. */
  get doc(): Y.Doc | undefined {
    return this.#doc;
  }

  /** False while room storage refuses writes: writers are refused until it accepts them again. */
  get writable(): boolean {
    return this.#storageFailure === undefined;
  }

  /** Bytes of Yjs pending state (updates with gaps) the document holds in memory. */
  get pendingBytes(): number {
    return this.#doc ? pendingBytes(this.#doc) : 0;
  }

  /** Whether Postgres had a snapshot of the document when it loaded; undefined when it did not answer in time. */
  get postgresHadSnapshot(): boolean | undefined {
    return this.#postgresHadSnapshot;
  }

  /** Drops the document's pending state; the caller closed every connection that contributed to it. */
  clearPending(): void {
    if (this.#doc) clearPending(this.#doc);
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

  /**
   * Whether applying `updateBytes` more would grow the document past the maximum size. Counts everything
   * the document holds, pending state included.
   */
  wouldExceedMaxSize(updateBytes: number): boolean {
    const max = this.#config.maxDocumentBytes;
    if (this.#log.storedBytes + this.pendingBytes + updateBytes <= max) return false;
    // The estimate counts updates that compaction would shrink: measure before refusing. The encoding
    // includes pending structs and deletions.
    return !this.#doc || Y.encodeStateAsUpdate(this.#doc).byteLength + updateBytes > max;
  }

  /** The last connection left: compact room storage and write the Postgres snapshot now. */
  lastPeerLeft(): void {
    if (!this.#doc || this.#forgotten) return;
    // Nobody is left to send what pending updates wait for; their senders resend them on their next sync.
    clearPending(this.#doc);
    // With storage failing, the probe compacts once it recovers; Postgres still gets the snapshot.
    if (this.writable) {
      this.commit.flush();
      void this.#log.compact(encodeStateWithoutPending(this.#doc));
    }
    void this.#snapshots.flush();
  }

  /** True while the latest Postgres save failed (it keeps retrying in the background). */
  get saveFailing(): boolean {
    return this.#snapshots.failures > 0;
  }

  /** Bytes of the document in room storage (what the room holds; its memory is not exposed by workerd). */
  get storedBytes(): number {
    return this.#log.storedBytes;
  }

  /** An admin asked: write the loaded document to Postgres now, even if nothing changed since the last save. */
  forceSnapshot(): Promise<void> {
    if (this.#doc && !this.#forgotten) this.#snapshots.markDirty();
    return this.#snapshots.flush();
  }

  /** Writes the Postgres snapshot now (after a REST edit, or from an alarm). */
  saveNow(): Promise<void> {
    return this.#snapshots.flush();
  }

  /**
   * An alarm woke the object: save what room storage holds to Postgres. Works on an object that was
   * evicted or restarted, where y-partykit cannot load (it needs the room id, which alarms lack).
   */
  async saveFromAlarm(): Promise<void> {
    if (this.#doc) return this.saveNow();
    const docId = await this.storedDocId();
    if (!docId) return;
    const stored = await new UpdateLog(this.#room.storage, () => {}).load();
    if (UpdateLog.isEmpty(stored)) return;
    const doc = new Y.Doc();
    doc.transact(() => stored.updates.forEach((update) => Y.applyUpdate(doc, update)));
    clearPending(doc);
    await this.#saveGuarded(docId, doc);
    this.#baseLog.info("alarm: saved room storage to Postgres", { room: docId });
  }

  /** The document was deleted: stop saving it anywhere. */
  forget(): void {
    this.#forgotten = true;
    this.#snapshots.dispose();
    clearTimeout(this.#probeTimer);
  }

  /**
   * The document was restored from the trash. Room storage was emptied at the delete: a document still in
   * memory writes itself back (room storage and Postgres), so what its editors typed before the delete is
   * kept; with none in memory, the next connection loads from Postgres as for any empty room.
   */
  revive(): void {
    if (!this.#forgotten) return;
    this.#forgotten = false;
    this.#snapshots.revive();
    if (!this.#doc || !this.#docId) return;
    void this.#log.rememberDocId(this.#docId);
    void this.#log.compact(encodeStateWithoutPending(this.#doc));
    this.#snapshots.markDirty();
  }

  async #load(docId: string): Promise<Y.Doc> {
    this.#docId = docId;
    if (this.#config.unsafeCommitDelayMs !== undefined) this.#logger.warn("UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT is set: this room loses acknowledged edits when it crashes");
    const source = new Y.Doc();
    const stored = await this.#log.load();
    // One transaction: a log holds thousands of keystroke updates, and observers run once.
    source.transact(() => stored.updates.forEach((update) => Y.applyUpdate(source, update)));
    clearPending(source);
    let seed = false;
    let dirty = false;
    if (!UpdateLog.isEmpty(stored)) {
      // Postgres may be behind (a crash before the last save): write a snapshot soon. It may also be ahead
      // (room storage restored from an older copy, or lost and then partly rewritten): merge it, so what
      // was acknowledged is served. If Postgres does not answer soon, serve room storage; the first save
      // merges before it writes, and the guard keeps it from overwriting more.
      dirty = true;
      try {
        const snapshot = await withTimeout(this.#postgres.read(docId), Math.min(MERGE_ON_LOAD_WAIT_MS, this.#config.loadTimeoutMs));
        if (snapshot) seed = applyChanges(source, snapshot.state);
        this.#postgresMerged = true;
        this.#postgresHadSnapshot = snapshot !== undefined;
      } catch (error) {
        this.#logger.warn("Postgres snapshot not merged on load (merged before the first save)", { error: errorText(error) });
      }
    } else {
      // Nothing in room storage: a new document, or one whose room storage is gone. Only a successful read
      // decides which; a failure or timeout refuses the connection rather than serve an empty document
      // that a later save would write over the real one.
      const snapshot = await withTimeout(this.#postgres.read(docId), this.#config.loadTimeoutMs);
      if (snapshot) seed = applyChanges(source, snapshot.state);
      this.#postgresMerged = true;
      this.#postgresHadSnapshot = snapshot !== undefined;
    }
    if (stored.docId !== docId) void this.#log.rememberDocId(docId);
    this.#source = source;
    const doc = await unstable_getYDoc(this.#room, this.yOptions);
    this.#source = undefined;
    this.#doc = doc;
    // Room storage lacks what came from Postgres: store it before anything is served.
    if (seed) void this.#log.compact(encodeStateWithoutPending(doc));
    // Only now: a save that ran before the document was set would find nothing and count as done.
    if (dirty) {
      this.#unsavedSince = Date.now();
      this.#snapshots.markDirty();
    }
    doc.on("update", (update: Uint8Array) => {
      if (this.#forgotten) return;
      this.#unsavedSince ??= Date.now();
      this.#log.append(update);
      if (this.#log.pendingBytes > FLUSH_NOW_BYTES) this.commit.flush();
      else this.commit.schedule();
      this.#snapshots.markDirty();
    });
    return doc;
  }

  #commitUpdates(): void {
    if (this.#forgotten) return;
    if (this.#log.needsCompaction && this.#doc) void this.#log.compact(encodeStateWithoutPending(this.#doc));
    else void this.#log.flush();
  }

  /**
   * A write failed or could not be issued. What it held is in memory only, so nothing more may leave and
   * no writer may add to it; the in-memory document is kept (it is the only copy of those edits) and
   * written in full once storage accepts writes again.
   */
  #storageFailed(error: StorageWriteError): void {
    if (this.#storageFailure || this.#forgotten) return;
    this.#logger.error("room storage failed; refusing writers until it recovers", { error: errorText(error) });
    this.#storageFailure = error;
    this.#failedProbes = 0;
    this.commit.halt();
    this.#hooks.onStorageFailed(error);
    this.#probeTimer = setTimeout(() => void this.#probe(), STORAGE_PROBE_MS);
  }

  async #probe(): Promise<void> {
    const doc = this.#doc;
    if (this.#forgotten) return;
    if ((await this.#log.probe()) && (!doc || (await this.#log.compact(encodeStateWithoutPending(doc))))) {
      this.#logger.warn("room storage accepts writes again");
      this.#storageFailure = undefined;
      this.commit.resume();
      return;
    }
    if (++this.#failedProbes === PROBES_BEFORE_CLOSING_READERS) this.#hooks.onStorageLost();
    this.#probeTimer = setTimeout(() => void this.#probe(), STORAGE_PROBE_MS);
  }

  async #saveSnapshot(): Promise<void> {
    const doc = this.#doc;
    const docId = this.#docId;
    if (!doc || !docId || this.#forgotten) return;
    if (!this.#postgresMerged) {
      const snapshot = await this.#postgres.read(docId);
      if (snapshot) Y.applyUpdate(doc, snapshot.state, "postgres");
      this.#postgresMerged = true;
    }
    await this.#saveGuarded(docId, doc);
  }

  /** Saves with the overwrite guard; when Postgres holds more, merges it into `doc` and saves again. */
  async #saveGuarded(docId: string, doc: Y.Doc): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const language = doc.getMap(DocRoot.meta).get(MetaKey.language);
      const outcome = await this.#postgres.save(docId, {
        state: encodeStateWithoutPending(doc),
        stateVector: stateVectorOf(doc),
        text: doc.getText(DocRoot.content).toString(),
        language: typeof language === "string" ? language : DEFAULT_LANGUAGE,
      });
      if (outcome.kind === "saved") return;
      if (outcome.kind === "missing") {
        this.#baseLog.warn("not saved: no such document in Postgres (deleted, or never created through the API)", { room: docId });
        return;
      }
      this.#baseLog.warn("Postgres holds a snapshot this room lacks: merging it before saving", { room: docId });
      // Into the live document: the merge is an update like any other, stored and sent to everyone.
      Y.applyUpdate(doc, outcome.snapshot.state, "postgres");
    }
    throw new Error("the Postgres snapshot kept moving ahead of this room");
  }
}

/** Applies `update`; true if it changed the document (it held something the document lacked). */
function applyChanges(doc: Y.Doc, update: Uint8Array): boolean {
  let changed = false;
  const listener = () => (changed = true);
  doc.on("update", listener);
  Y.applyUpdate(doc, update);
  doc.off("update", listener);
  return changed;
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
