import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

/**
 * The document's durable copy in room storage (the Durable Object's transactional key-value store).
 *
 * Layout:
 * - `snap:meta` = { parts, bytes }, `snap:<part>`: the compacted state (Y.encodeStateAsUpdate), in parts.
 * - `batch:<seq>:<parts>:<part>`: one group-committed batch: the turn's updates as a lib0 list (count, then
 *   each update as a length-prefixed byte array), in parts. A list, not `Y.mergeUpdates`: merging decodes
 *   and re-encodes every update and was the largest cost in the room's CPU profile; copying bytes is not.
 * - `doc:id`: the document id, for alarms, which run without the room id.
 *
 * Values over 128 KiB must be split and one put holds at most 128 keys, so every write here is one
 * `put` of at most 128 parts: atomic. Loading merges the snapshot and every complete log batch; Yjs updates
 * are idempotent, so a batch that is also inside the snapshot (a crash between compaction's put and its
 * deletes) does no harm.
 */
const PART_BYTES = 128 * 1024;
const MAX_KEYS_PER_PUT = 128;
/** Compact when the log holds this many bytes or batches: loading stays fast and storage small. */
const COMPACT_AFTER_BYTES = 4 * 1024 * 1024;
const COMPACT_AFTER_BATCHES = 1_000;

/** What the log needs of room storage (a Durable Object's storage; an in-memory double in unit tests). */
export interface LogStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  list<T = unknown>(options: { prefix: string }): Promise<Map<string, T>>;
}

/** A storage write failed, or could not be issued (a state too large for one atomic put). */
export class StorageWriteError extends Error {
  override name = "StorageWriteError";
}

export interface LoadedLog {
  /** The snapshot and log batches, to apply in order. Empty for a room that never stored anything. */
  updates: Uint8Array[];
  docId: string | undefined;
}

export class UpdateLog {
  #storage: LogStorage;
  #onFailure: (error: StorageWriteError) => void;
  #nextSeq = 0;
  #logKeys: string[] = [];
  #logBytes = 0;
  #snapshotBytes = 0;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #writes = 0;
  #bytesWritten = 0;

  /**
   * @param onFailure Called once per failed write, whether it failed when issued or later. The caller must
   *   stop acknowledging anything: what the failed write held is in memory only.
   */
  constructor(storage: LogStorage, onFailure: (error: StorageWriteError) => void) {
    this.#storage = storage;
    this.#onFailure = onFailure;
  }

  /** Bytes the stored document takes, roughly: the last snapshot plus the log since. */
  get storedBytes(): number {
    return this.#snapshotBytes + this.#logBytes + this.#pendingBytes;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Storage puts issued and bytes written since the room started (the benchmark reads them). */
  get stats(): { writes: number; bytes: number } {
    return { writes: this.#writes, bytes: this.#bytesWritten };
  }

  get needsCompaction(): boolean {
    return this.#logBytes > COMPACT_AFTER_BYTES || this.#logKeys.length > COMPACT_AFTER_BATCHES;
  }

  async load(): Promise<LoadedLog> {
    const updates: Uint8Array[] = [];
    const meta = await this.#storage.get<{ parts: number; bytes: number }>("snap:meta");
    if (meta) {
      const parts = await this.#storage.get<Uint8Array>(partKeys("snap:", meta.parts));
      updates.push(join(partKeys("snap:", meta.parts).map((key) => parts.get(key))));
      this.#snapshotBytes = meta.bytes;
    }
    await this.#loadBatches(updates);
    return { updates, docId: await this.#storage.get<string>("doc:id") };
  }

  async #loadBatches(updates: Uint8Array[]): Promise<void> {
    const log = await this.#storage.list<Uint8Array>({ prefix: "batch:" });
    const batches = new Map<number, { parts: number; values: Uint8Array[]; keys: string[] }>();
    for (const [key, value] of log) {
      const [, seqText, partsText] = key.split(":");
      const seq = Number(seqText);
      const batch = batches.get(seq) ?? { parts: Number(partsText), values: [], keys: [] };
      batch.values.push(value);
      batch.keys.push(key);
      batches.set(seq, batch);
    }
    for (const [seq, batch] of [...batches].sort(([a], [b]) => a - b)) {
      this.#logKeys.push(...batch.keys);
      this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
      // An incomplete batch was never acknowledged: its put failed and the object was reset before any
      // message that depended on it left. Its keys are deleted at the next compaction.
      if (batch.values.length !== batch.parts) continue;
      const bytes = join(batch.values);
      this.#logBytes += bytes.byteLength;
      updates.push(...decodeBatch(bytes));
    }
  }

  /** Remembers the document id, for alarms. */
  rememberDocId(docId: string): Promise<boolean> {
    return this.#issue([this.#put({ "doc:id": docId })]);
  }

  /** Queues an update for the next {@link flush}. */
  append(update: Uint8Array): void {
    this.#pending.push(update);
    this.#pendingBytes += update.byteLength;
  }

  /**
   * Writes the queued updates as one batch. The write is issued, not awaited: the runtime's output gate holds
   * every message sent after it in this turn until it is on disk, and resets the object if it fails.
   * Resolves true once written, false if it failed (reported to `onFailure` as well); never rejects.
   */
  flush(): Promise<boolean> {
    if (this.#pending.length === 0) return Promise.resolve(true);
    const batch = encodeBatch(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    const seq = this.#nextSeq++;
    const parts = split(batch);
    const entries: Record<string, Uint8Array> = {};
    parts.forEach((part, i) => {
      const key = `batch:${String(seq).padStart(12, "0")}:${parts.length}:${i}`;
      entries[key] = part;
      this.#logKeys.push(key);
    });
    this.#logBytes += batch.byteLength;
    this.#bytesWritten += batch.byteLength;
    // A batch is at most FLUSH_NOW_BYTES plus one update: far fewer than 128 parts, so one put, atomic.
    const writes: Promise<unknown>[] = [];
    for (const chunk of chunkEntries(entries)) {
      this.#writes++;
      writes.push(this.#put(chunk));
    }
    return this.#issue(writes);
  }

  /**
   * Replaces snapshot and log with the document's full state. Pending updates are part of that state, so
   * they are dropped from the queue. Like {@link flush}, the writes are issued in the caller's turn, and the
   * result says whether they reached storage. A state too large for one atomic put is not written at all
   * (the log stays as it was) and reported as a failure.
   */
  compact(state: Uint8Array): Promise<boolean> {
    const parts = split(state);
    if (parts.length >= MAX_KEYS_PER_PUT) {
      this.#onFailure(new StorageWriteError(`document state of ${state.byteLength} bytes is too large to store atomically`));
      return Promise.resolve(false);
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    const entries: Record<string, unknown> = { "snap:meta": { parts: parts.length, bytes: state.byteLength } };
    parts.forEach((part, i) => (entries[partKey("snap:", i)] = part));
    this.#writes++;
    this.#bytesWritten += state.byteLength;
    const writes: Promise<unknown>[] = [this.#put(entries)];
    // The deletes may fail alone: the snapshot already holds what those batches held, and loading applies
    // both harmlessly (updates are idempotent). They are retried by the next compaction.
    const stale = this.#logKeys;
    for (let i = 0; i < stale.length; i += MAX_KEYS_PER_PUT) {
      const keys = stale.slice(i, i + MAX_KEYS_PER_PUT);
      attempt(() => this.#storage.delete(keys)).catch(() => this.#logKeys.push(...keys));
    }
    this.#logKeys = [];
    this.#logBytes = 0;
    this.#snapshotBytes = state.byteLength;
    return this.#issue(writes);
  }

  /** Writes a throwaway key: resolves true once storage accepts writes again. */
  probe(): Promise<boolean> {
    return this.#put({ "probe:at": Date.now() }).then(
      () => true,
      () => false,
    );
  }

  /** A put whose failure is always a rejection: workerd throws synchronously once the storage is broken. */
  #put(entries: Record<string, unknown>): Promise<void> {
    return attempt(() => this.#storage.put(entries));
  }

  #issue(writes: Promise<unknown>[]): Promise<boolean> {
    return Promise.all(writes).then(
      () => true,
      (error: unknown) => {
        this.#onFailure(new StorageWriteError(`room storage write failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        return false;
      },
    );
  }

  /** True when room storage holds nothing of the document: only then does Postgres alone decide what the room serves. */
  static isEmpty(loaded: LoadedLog): boolean {
    return loaded.updates.length === 0;
  }
}

function attempt<T>(write: () => Promise<T>): Promise<T> {
  try {
    return write();
  } catch (error) {
    return Promise.reject(error);
  }
}

function encodeBatch(updates: Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, updates.length);
  for (const update of updates) encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

function decodeBatch(bytes: Uint8Array): Uint8Array[] {
  const decoder = decoding.createDecoder(bytes);
  return Array.from({ length: decoding.readVarUint(decoder) }, () => decoding.readVarUint8Array(decoder));
}

function partKey(prefix: string, i: number): string {
  return `${prefix}${String(i).padStart(4, "0")}`;
}

function partKeys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => partKey(prefix, i));
}

function split(bytes: Uint8Array): Uint8Array[] {
  if (bytes.byteLength <= PART_BYTES) return [bytes];
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += PART_BYTES) parts.push(bytes.slice(offset, offset + PART_BYTES));
  return parts;
}

function join(parts: (Uint8Array | undefined)[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const total = parts.reduce((sum, part) => sum + (part?.byteLength ?? 0), 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    if (!part) throw new Error("room storage is missing part of the document snapshot");
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function* chunkEntries(entries: Record<string, Uint8Array>): Generator<Record<string, Uint8Array>> {
  const keys = Object.keys(entries);
  for (let i = 0; i < keys.length; i += MAX_KEYS_PER_PUT) {
    yield Object.fromEntries(keys.slice(i, i + MAX_KEYS_PER_PUT).map((key) => [key, entries[key]!]));
  }
}

