import { autoVersionTimes, deleteVersions, getVersion, insertVersion, latestVersionVector, type VersionKindValue, type VersionRow } from "@collab/db";
import { DocRoot, MetaKey, newDocId, versionsToThin, type RestoreNotice } from "@collab/protocol";
import type * as Party from "partykit/server";
import * as Y from "yjs";
import type { RoomConfig } from "./config.ts";
import type { Database, RoomDatabase } from "./database.ts";
import { stateVectorOf } from "./postgres-snapshots.ts";
import { replaceText } from "@collab/protocol/replace-text";
import { SAVE_JITTER, SnapshotScheduler } from "./snapshot-scheduler.ts";
import { transactAsRoom } from "./room-writes.ts";

/** The version a restore asked for is not stored (deleted, or another document's). */
export class VersionNotFoundError extends Error {
  override name = "VersionNotFoundError";
}

/** The transaction origin of a restore's edit (what the room's update listeners see). */
export const RESTORE_ORIGIN = "restore";

/**
 * Older automatic versions are thinned at most this often: a version becomes a candidate only when it ages
 * past `keepAllHours`, and the buckets it is thinned into are an hour wide, so an hour late keeps at most an
 * hour's versions a little longer.
 */
const THIN_EVERY_MS = 60 * 60_000;

/** Room storage key of {@link VersionsState}. */
const STATE_KEY = "versions";

/**
 * What the room remembers of its versions, in room storage, so that the next object taking a version asks
 * Postgres nothing but the insert: the newest version's state vector (an unchanged document takes none) and
 * when older ones were last thinned.
 */
interface VersionsState {
  vector: Record<string, number> | null;
  thinnedAt: number;
}

/** The part of room storage versions use. */
export type VersionsStorage = Pick<Party.Storage, "get" | "put">;

/**
 * A room's version history (issue 11): automatic versions on the room's own schedule, named versions and
 * restores on request, all written to Postgres off the typing path.
 *
 * - Automatic: `settleMs` after editing stops, at most `maxWaitMs` apart while it goes on, and when the last
 *   person leaves (the snapshot scheduler's debounce, with these timings). One whose state vector equals the
 *   newest version's is not stored: nothing changed.
 * - Authors: the users whose connections' updates changed the document since the last version. The room
 *   tells this class (it knows the verified user of every connection); a failed write keeps them.
 * - Retention: after an automatic version, older automatic ones are thinned (`versionsToThin`), at most
 *   once per {@link THIN_EVERY_MS}.
 * - Queries: one insert per version. What else a version needs (the newest one's vector, the last thinning)
 *   is kept in room storage; Postgres is asked only when room storage does not know (a new object of an
 *   older document, or lost storage). Many rooms emptying at once are a burst of work for Postgres.
 */
export class RoomVersions {
  readonly #config: RoomConfig;
  readonly #database: RoomDatabase;
  readonly #docId: string;
  readonly #doc: () => Y.Doc | undefined;
  readonly #scheduler: SnapshotScheduler;
  readonly #authors = new Set<string>();
  readonly #storage: VersionsStorage;
  /** Undefined until read from room storage, or from Postgres when room storage has none. */
  #state: VersionsState | undefined;
  /** Writes one at a time, in order (an automatic version and a named one must not interleave). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    config: RoomConfig,
    database: RoomDatabase,
    storage: VersionsStorage,
    docId: string,
    doc: () => Y.Doc | undefined,
    onError: (error: unknown) => void,
  ) {
    this.#config = config;
    this.#database = database;
    this.#storage = storage;
    this.#docId = docId;
    this.#doc = doc;
    this.#scheduler = new SnapshotScheduler({
      save: async () => {
        await this.#take("auto", null);
      },
      debounceMs: config.versions.settleMs,
      maxWaitMs: config.versions.maxWaitMs,
      retryInitialMs: 5_000,
      retryMaxMs: 5 * 60_000,
      jitter: SAVE_JITTER,
      onError: (error) => onError(error),
    });
  }

  /** `userId`'s connection changed the document. */
  edited(userId: string): void {
    this.#authors.add(userId);
    this.#scheduler.markDirty();
  }

  /** The last person left: take the automatic version now rather than after the settle time. */
  lastPeerLeft(): Promise<void> {
    return this.#scheduler.flush();
  }

  dispose(): void {
    this.#scheduler.dispose();
  }

  /** A named version of the live document, now (even when nothing changed since the last version). */
  async saveNamed(name: string, userId: string): Promise<VersionRow> {
    return (await this.#take("named", name, [userId]))!;
  }

  /**
   * Writes version `versionId`'s text into the live document as one minimal edit, after recording the text
   * it replaces as an automatic version, then records a "restore" version named after the one restored.
   *
   * `applied`: the restorer's client already wrote the text, in its own transaction so that its undo
   * manager can take it back with one undo (a room-side edit is in nobody's undo history). The room then
   * writes nothing and only records the "restore" version of the live state; the text it replaced is in
   * the automatic versions' history already, or is recorded by the next one.
   */
  async restore(versionId: string, user: { id: string; name: string }, options: { applied?: boolean } = {}): Promise<VersionRow> {
    const doc = this.#doc();
    if (!doc) throw new Error("the document is not loaded");
    const version = await this.#database.run((db) => getVersion(db, this.#docId, versionId));
    if (!version) throw new VersionNotFoundError(`no version ${versionId}`);
    if (!options.applied) {
      await this.#take("auto", null);
      transactAsRoom(doc, RESTORE_ORIGIN, () => replaceText(doc.getText(DocRoot.content), version.text));
    }
    const label = version.name ?? version.createdAt.toISOString();
    // Everyone's notice, in the document itself: it reaches every open editor like any edit, whoever
    // restored and however (the restorer's undo history tracks only its own edits, not this one). Written
    // before the "restore" version is recorded, so that the version's state includes it and the next
    // automatic version does not store the same text again.
    const notice: RestoreNotice = {
      versionId: version.id,
      restoredFrom: label.slice(0, 120),
      named: version.name !== null,
      userId: user.id,
      name: user.name.slice(0, 200),
      at: Date.now(),
    };
    transactAsRoom(doc, RESTORE_ORIGIN, () => doc.getMap(DocRoot.meta).set(MetaKey.restored, notice));
    return (await this.#take("restore", `Restored from ${label}`.slice(0, 100), [user.id]))!;
  }

  /** Stores a version of the live document; an automatic one only if anything changed. */
  #take(kind: VersionKindValue, name: string | null, extraAuthors: string[] = []): Promise<VersionRow | undefined> {
    const run = this.#queue.then(async () => {
      const doc = this.#doc();
      if (!doc) return undefined;
      const stateVector = stateVectorOf(doc);
      this.#state ??= await this.#storage.get<VersionsState>(STATE_KEY).catch(() => undefined);
      return this.#database.run(async (db) => {
        this.#state ??= await this.#stateFromPostgres(db);
        if (kind === "auto" && this.#state.vector && sameVector(stateVector, this.#state.vector)) return undefined;
        const authors = [...new Set([...this.#authors, ...extraAuthors])];
        const row = await insertVersion(db, { id: newDocId(), documentId: this.#docId, kind, name, authorIds: authors, text: doc.getText(DocRoot.content).toString(), stateVector });
        // Only those recorded: someone who edited while this was written stays for the next version.
        for (const author of authors) this.#authors.delete(author);
        // Before thinning, which may fail: the next version must not store this text again.
        this.#remember({ vector: stateVector, thinnedAt: this.#state.thinnedAt });
        const now = Date.now();
        if (kind === "auto" && now - this.#state.thinnedAt >= THIN_EVERY_MS) {
          const thinned = versionsToThin(await autoVersionTimes(db, this.#docId), new Date(now), this.#config.versions.retention);
          await deleteVersions(db, this.#docId, thinned);
          this.#remember({ vector: stateVector, thinnedAt: now });
        }
        return row;
      });
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Room storage did not know: the newest version's vector; a document without versions has none to thin. */
  async #stateFromPostgres(db: Database): Promise<VersionsState> {
    const vector = (await latestVersionVector(db, this.#docId)) ?? null;
    return { vector, thinnedAt: vector ? 0 : Date.now() };
  }

  /** Best effort: what room storage lacks is asked of Postgres again by the next object. */
  #remember(state: VersionsState): void {
    this.#state = state;
    void this.#storage.put(STATE_KEY, state).catch(() => {});
  }
}

function sameVector(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
