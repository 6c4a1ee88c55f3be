import { loadSnapshot, openDatabase, saveSnapshot } from "@collab/db";
import { CloseCode, DEFAULT_LANGUAGE, DocRoot, MetaKey, ROOM_PATH_PREFIX, isValidDocId } from "@collab/protocol";
import type * as Party from "partykit/server";
import { onConnect, unstable_getYDoc, type YPartyKitOptions } from "y-partykit";
import * as Y from "yjs";
import { readRoomConfig, type RoomConfig } from "./config.ts";
import { inspectFrame } from "./frame-guard.ts";
import { GroupCommit } from "./group-commit.ts";
import { Peer } from "./peer.ts";
import { SnapshotScheduler } from "./snapshot-scheduler.ts";
import { UpdateLog } from "./update-log.ts";

/** The prefix of y-partykit's chunked-upload markers (its `BATCH_SENTINEL`). */
const CHUNKED_UPLOAD_MARKER = "y-pk-batch";

/** Queued updates past this size are committed at once instead of at the end of the turn. */
const FLUSH_NOW_BYTES = 4 * 1024 * 1024;

export class RoomUnavailableError extends Error {
  override name = "RoomUnavailableError";
}

/**
 * One room per document. y-partykit speaks the Yjs sync and awareness protocol; this class decides what
 * reaches it (checked frames only), when its messages leave (after the group commit made their updates
 * durable), where the document comes from (room storage, else the latest Postgres snapshot) and when it is
 * written to Postgres. See PROTOCOL.md beside this file.
 */
export default class DocumentRoom implements Party.Server {
  readonly #room: Party.Room;
  readonly #config: RoomConfig;
  readonly #log: UpdateLog;
  readonly #commit: GroupCommit;
  readonly #peers = new Map<string, Peer>();
  readonly #snapshots: SnapshotScheduler;
  /** Given to y-partykit: the same object every time, or it warns that options changed. */
  readonly #yOptions: YPartyKitOptions;
  #loaded: Y.Doc | undefined;
  #docId: string | undefined;
  #doc: Promise<Y.Doc> | undefined;
  #yDoc: Y.Doc | undefined;

  constructor(room: Party.Room) {
    this.#room = room;
    this.#config = readRoomConfig(room.env);
    this.#log = new UpdateLog(room.storage);
    this.#commit = new GroupCommit(() => this.#commitUpdates());
    this.#yOptions = { gc: true, load: async () => this.#loaded ?? null };
    this.#snapshots = new SnapshotScheduler({
      save: () => this.#saveSnapshot(),
      debounceMs: this.#config.snapshotDebounceMs,
      maxWaitMs: this.#config.snapshotMaxWaitMs,
      onError: (error, retryInMs) => {
        console.error(`[room ${this.#docId}] snapshot save failed, retrying in ${retryInMs} ms:`, errorText(error));
        // Timers do not keep an idle object alive; an alarm wakes it to retry.
        void room.storage.setAlarm(Date.now() + retryInMs).catch(() => {});
      },
    });
  }

  /** Runs at the edge before the room is touched: an invalid id never creates a room. */
  static onBeforeConnect(request: Party.Request): Party.Request | Response {
    return DocumentRoom.onBeforeRequest(request);
  }

  static onBeforeRequest(request: Party.Request): Party.Request | Response {
    const id = decodeURIComponent(new URL(request.url).pathname.slice(ROOM_PATH_PREFIX.length).split("/")[0] ?? "");
    if (!isValidDocId(id)) {
      return Response.json(
        { error: { code: "invalid_document_id", message: "Invalid document id: use 1-64 of A-Z a-z 0-9 _ -" } },
        { status: 400 },
      );
    }
    return request;
  }

  async onConnect(socket: Party.Connection): Promise<void> {
    if (!isValidDocId(this.#room.id)) return socket.close(CloseCode.InvalidDocumentId, "invalid document id");
    try {
      await this.#ready(this.#room.id);
    } catch (error) {
      console.error(`[room ${this.#room.id}] load failed:`, errorText(error));
      return socket.close(CloseCode.RoomUnavailable, "document could not be loaded, retry shortly");
    }
    const peer = new Peer(socket, this.#commit);
    this.#peers.set(socket.id, peer);
    await onConnect(peer as unknown as Party.Connection, this.#room, this.#yOptions);
  }

  onMessage(message: string | ArrayBuffer | ArrayBufferView, socket: Party.Connection): void {
    const peer = this.#peers.get(socket.id);
    if (!peer) return;
    if (typeof message === "string") {
      // y-partykit's provider announces updates over 1 MB with a text marker before sending them in chunks.
      if (message.startsWith(CHUNKED_UPLOAD_MARKER)) {
        return this.#reject(peer, CloseCode.MessageTooLarge, `updates over ${this.#config.maxMessageBytes} bytes are not accepted`);
      }
      return this.#reject(peer, CloseCode.MalformedMessage, "text frames are not part of the protocol");
    }
    const bytes = message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    const verdict = inspectFrame(bytes, this.#config.maxMessageBytes);
    if (!verdict.ok) return this.#reject(peer, verdict.code, verdict.reason);
    if (verdict.updateBytes > 0 && this.#wouldExceedMaxSize(verdict.updateBytes)) {
      return this.#reject(peer, CloseCode.DocumentTooLarge, `document would exceed ${this.#config.maxDocumentBytes} bytes`);
    }
    peer.deliver(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer);
  }

  onClose(socket: Party.Connection): void {
    this.#disconnect(socket);
  }

  onError(socket: Party.Connection): void {
    this.#disconnect(socket);
  }

  /** `GET /parties/main/:id`: who is connected, for the worker and for diagnostics. */
  async onRequest(request: Party.Request): Promise<Response> {
    if (request.method !== "GET") return Response.json({ error: { code: "method_not_allowed", message: "Use GET or a WebSocket" } }, { status: 405 });
    return Response.json({ id: this.#room.id, connections: this.#peers.size });
  }

  /** Retries a failed Postgres save after the object was idle (see the scheduler's onError). */
  async onAlarm(): Promise<void> {
    const docId = this.#docId ?? (await this.#room.storage.get<string>("doc:id"));
    if (!docId) return;
    await this.#ready(docId);
    await this.#snapshots.flush();
  }

  /** Loads the document once; a failed load is forgotten so the next connection tries again. */
  #ready(docId: string): Promise<Y.Doc> {
    this.#doc ??= this.#load(docId).catch((error) => {
      this.#doc = undefined;
      throw error;
    });
    return this.#doc;
  }

  async #load(docId: string): Promise<Y.Doc> {
    this.#docId = docId;
    const source = new Y.Doc();
    const stored = await this.#log.load();
    if (!UpdateLog.isEmpty(stored)) {
      for (const update of stored.updates) Y.applyUpdate(source, update);
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
    this.#loaded = source;
    const doc = await unstable_getYDoc(this.#room, this.#yOptions);
    this.#loaded = undefined;
    this.#yDoc = doc;
    doc.on("update", (update: Uint8Array) => {
      this.#log.append(update);
      if (this.#log.pendingBytes > FLUSH_NOW_BYTES) this.#commit.flush();
      else this.#commit.schedule();
      this.#snapshots.markDirty();
    });
    return doc;
  }

  #commitUpdates(): void {
    if (this.#log.needsCompaction && this.#current) this.#log.compact(Y.encodeStateAsUpdate(this.#current));
    else this.#log.flush();
  }

  /** The loaded document, once loading has finished. */
  get #current(): Y.Doc | undefined {
    return this.#yDoc;
  }

  #wouldExceedMaxSize(updateBytes: number): boolean {
    const max = this.#config.maxDocumentBytes;
    if (this.#log.storedBytes + updateBytes <= max) return false;
    // The estimate counts updates that compaction would shrink: measure before refusing.
    const doc = this.#current;
    return !doc || Y.encodeStateAsUpdate(doc).byteLength + updateBytes > max;
  }

  #reject(peer: Peer, code: CloseCode, reason: string): void {
    console.warn(`[room ${this.#room.id}] closing ${peer.socket.id}: ${code} ${reason}`);
    this.#peers.delete(peer.socket.id);
    peer.close(code, reason);
    this.#afterLeave();
  }

  #disconnect(socket: Party.Connection): void {
    const peer = this.#peers.get(socket.id);
    if (!peer) return;
    this.#peers.delete(socket.id);
    peer.disconnected();
    this.#afterLeave();
  }

  /** When the last peer leaves: compact room storage and write the Postgres snapshot now. */
  #afterLeave(): void {
    if (this.#peers.size > 0) return;
    const doc = this.#current;
    if (!doc) return;
    this.#commit.flush();
    this.#log.compact(Y.encodeStateAsUpdate(doc));
    void this.#snapshots.flush();
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
    const doc = this.#current;
    const docId = this.#docId;
    if (!doc || !docId) return;
    const language = doc.getMap(DocRoot.meta).get(MetaKey.language);
    const { db, end } = openDatabase({ databaseUrl: this.#config.databaseUrl, wsProxy: this.#config.dbWsProxy });
    try {
      await saveSnapshot(db, {
        docId,
        state: Y.encodeStateAsUpdate(doc),
        text: doc.getText(DocRoot.content).toString(),
        language: typeof language === "string" ? language : DEFAULT_LANGUAGE,
      });
    } finally {
      void end().catch(() => {});
    }
  }
}

DocumentRoom satisfies Party.Worker;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RoomUnavailableError(`timed out after ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
