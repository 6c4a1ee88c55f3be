import type * as Party from "partykit/server";
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
 * - `log:<seq>:<parts>:<part>`: the same with the batch merged into one update (written by earlier
 *   versions; still read, and removed by the next compaction).
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

export interface LoadedLog {
  /** The snapshot and log batches, to apply in order. Empty for a room that never stored anything. */
  updates: Uint8Array[];
  docId: string | undefined;
}

export class UpdateLog {
  #storage: Party.Storage;
  #nextSeq = 0;
  #logKeys: string[] = [];
  #logBytes = 0;
  #snapshotBytes = 0;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #writes = 0;
  #bytesWritten = 0;

  constructor(storage: Party.Storage) {
    this.#storage = storage;
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
    await this.#loadBatches("log:", (bytes) => [bytes], updates);
    await this.#loadBatches("batch:", decodeBatch, updates);
    return { updates, docId: await this.#storage.get<string>("doc:id") };
  }

  async #loadBatches(prefix: string, decode: (bytes: Uint8Array) => Uint8Array[], updates: Uint8Array[]): Promise<void> {
    const log = await this.#storage.list<Uint8Array>({ prefix });
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
      updates.push(...decode(bytes));
    }
  }

  /** Remembers the document id, for alarms. */
  rememberDocId(docId: string): void {
    void this.#storage.put("doc:id", docId).catch(logWriteError);
  }

  /** Queues an update for the next {@link flush}. */
  append(update: Uint8Array): void {
    this.#pending.push(update);
    this.#pendingBytes += update.byteLength;
  }

  /**
   * Writes the queued updates as one batch. The write is issued, not awaited: the runtime's output gate holds
   * every message sent after it in this turn until it is on disk, and resets the object if it fails.
   */
  flush(): void {
    if (this.#pending.length === 0) return;
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
    for (const chunk of chunkEntries(entries)) {
      this.#writes++;
      void this.#storage.put(chunk).catch(logWriteError);
    }
  }

  /**
   * Replaces snapshot and log with the document's full state. Pending updates are part of that state, so
   * they are dropped from the queue. Like {@link flush}, the writes are issued in the caller's turn.
   */
  compact(state: Uint8Array): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    const parts = split(state);
    if (parts.length >= MAX_KEYS_PER_PUT) throw new Error(`document state of ${state.byteLength} bytes is too large to store atomically`);
    const entries: Record<string, unknown> = { "snap:meta": { parts: parts.length, bytes: state.byteLength } };
    parts.forEach((part, i) => (entries[partKey("snap:", i)] = part));
    this.#writes++;
    this.#bytesWritten += state.byteLength;
    void this.#storage.put(entries).catch(logWriteError);
    for (let i = 0; i < this.#logKeys.length; i += MAX_KEYS_PER_PUT) {
      void this.#storage.delete(this.#logKeys.slice(i, i + MAX_KEYS_PER_PUT)).catch(logWriteError);
    }
    this.#logKeys = [];
    this.#logBytes = 0;
    this.#snapshotBytes = state.byteLength;
  }

  /** True when the room has stored state: then Postgres is not consulted. */
  static isEmpty(loaded: LoadedLog): boolean {
    return loaded.updates.length === 0;
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

function logWriteError(error: unknown): void {
  console.error("room storage write failed:", error);
}
