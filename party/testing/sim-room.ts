import { CloseCode, DocRoot, createLogger } from "@collab/protocol";
import type * as Party from "partykit/server";
import { onConnect, unstable_getYDoc, type YPartyKitOptions } from "y-partykit";
import * as Y from "yjs";
import { ClientIdRecords } from "../client-id-records.ts";
import { ClientIds } from "../client-ids.ts";
import { inspectFrame } from "../frame-guard.ts";
import { pendingBytes } from "../pending-budget.ts";
import { answerSyncStep1 } from "../sync-answer.ts";
import { claimWriterIds } from "../writer-ids.ts";
import { GroupCommit } from "../group-commit.ts";
import { Peer } from "../peer.ts";
import { clearPending } from "../pending-budget.ts";
import { UpdateLog, type LoadedLog } from "../update-log.ts";
import type { MemoryStorage } from "./memory-storage.ts";

/**
 * The room's logic in one process, for the seeded convergence test: the real y-partykit `onConnect` behind
 * the real {@link Peer}, the real {@link GroupCommit} holding every outgoing message until the real
 * {@link UpdateLog} has written the turn's updates, the real frame guard, and the real client id table
 * with its durable records; all on an in-memory storage double behind the interface the room uses.
 *
 * What it leaves out of `server.ts` and `document-store.ts`: tokens, rate limits, chunked uploads,
 * awareness, viewers, the pending budget, compaction and Postgres. The glue between the parts (`receive`; `claimWriterIds` is shared, writer-ids.ts) mirrors
 * `DocumentRoom.onMessage` and `DocumentStore`'s update listener line for line: keep them in step.
 *
 * Turns are explicit: a test delivers frames, then calls {@link endTurn} where the runtime's
 * `setTimeout(0)` would fire (under fake timers nothing else fires it). {@link crash} drops the object
 * mid-turn: what was not committed is gone, and so is everything still held.
 */
export class SimRoom {
  readonly storage: MemoryStorage;
  readonly closes: { socket: SimSocket; code: number; reason: string }[] = [];
  /** Storage writes that failed (none expected: this storage never refuses). */
  readonly failures: Error[] = [];
  readonly #clientIds = new ClientIds({ maxPerConnection: 4 });
  readonly #records: ClientIdRecords;
  readonly #log: UpdateLog;
  readonly #commit: GroupCommit;
  readonly #room: Party.Room;
  readonly #peers = new Map<SimSocket, { key: number; userId: string; peer: Peer }>();
  readonly #options: YPartyKitOptions;
  #source: Y.Doc | undefined;
  #doc: Y.Doc | undefined;
  #nextKey = 0;
  #crashed = false;

  /**
   * @param incarnation y-partykit keeps one Y.Doc per room id for the life of the process: each restart
   *   of the simulated object needs an id of its own.
   */
  private constructor(storage: MemoryStorage, incarnation: string, options: { unsafeCommitDelayMs?: number }) {
    this.storage = storage;
    const roomStorage = storage as unknown as Party.Storage;
    this.#records = new ClientIdRecords(roomStorage, createLogger({ level: "error" }));
    this.#log = new UpdateLog(storage, (error) => this.failures.push(error));
    this.#commit = new GroupCommit(() => void this.#log.flush(), options);
    this.#room = { id: incarnation, storage: roomStorage, env: {} } as unknown as Party.Room;
    // DocumentStore.yOptions: one object for every connection, the stored state handed over by `load`.
    this.#options = { gc: true, load: async () => this.#source ?? null };
  }

  /** Starts the room on `storage`, as the runtime does after a crash: the document is loaded from it. */
  static async start(storage: MemoryStorage, incarnation: string, options: { unsafeCommitDelayMs?: number } = {}): Promise<SimRoom> {
    const room = new SimRoom(storage, incarnation, options);
    await room.#records.load(room.#clientIds);
    return room;
  }

  /** The room's document (after the first connection). */
  get doc(): Y.Doc | undefined {
    return this.#doc;
  }

  get text(): string {
    return this.#doc?.getText(DocRoot.content).toString() ?? "";
  }

  async connect(socket: SimSocket, userId: string): Promise<void> {
    if (!this.#doc) {
      // DocumentStore.ready: load room storage, hand it to y-partykit, then listen for updates.
      this.#source = docOf(await this.#log.load());
      const doc = await unstable_getYDoc(this.#room, this.#options);
      this.#source = undefined;
      this.#doc = doc;
      // DocumentStore's listener: every update joins the turn's batch, committed before anything leaves.
      doc.on("update", (update: Uint8Array) => {
        this.#log.append(update);
        this.#commit.schedule();
      });
    }
    const peer = new Peer(socket as unknown as Party.Connection, this.#commit);
    this.#peers.set(socket, { key: this.#nextKey++, userId, peer });
    socket.onClose = (code, reason) => {
      this.closes.push({ socket, code, reason });
      this.disconnect(socket);
    };
    await onConnect(peer as unknown as Party.Connection, this.#room, this.#options);
  }

  /** One frame from `socket`: DocumentRoom.onMessage without the parts this double leaves out. */
  receive(socket: SimSocket, frame: Uint8Array): void {
    if (this.#crashed) throw new Error("the room crashed");
    const entry = this.#peers.get(socket);
    if (!entry) return;
    const verdict = inspectFrame(frame, 1_000_000, 256);
    if (!verdict.ok) return this.#close(entry.peer, verdict.code, verdict.reason);
    if (verdict.structs) {
      const refused = claimWriterIds(this.#doc, verdict.structs, entry, { clientIds: this.#clientIds, records: this.#records, maxPerConnection: 4 });
      if (refused) return this.#close(entry.peer, refused.code, refused.reason);
    }
    // The room answers a sync step 1 itself while the document holds pending state (sync-answer.ts).
    if (this.#doc && pendingBytes(this.#doc) > 0) {
      const answer = answerSyncStep1(this.#doc, frame);
      if (answer) return entry.peer.send(answer);
    }
    entry.peer.deliver(frame.slice().buffer);
  }

  /** The end of the event-loop turn: the group commit writes, then releases what it held. */
  endTurn(): void {
    if (this.#crashed) return;
    this.#commit.flush();
  }

  /** The object dies mid-turn; its storage stays. Sockets are not told (the clients notice on their own). */
  crash(): void {
    this.#crashed = true;
    for (const socket of this.#peers.keys()) {
      socket.onClose = undefined;
      socket.readyState = WebSocket.CLOSED;
    }
    this.#peers.clear();
  }

  disconnect(socket: SimSocket): void {
    const entry = this.#peers.get(socket);
    if (!entry) return;
    this.#peers.delete(socket);
    this.#clientIds.release(entry.key);
    entry.peer.disconnected();
  }

  #close(peer: Peer, code: CloseCode, reason: string): void {
    peer.close(code, reason);
  }
}

/** The server end of one simulated WebSocket: what the room sends is handed to `deliver`. */
export class SimSocket {
  readonly id: string;
  readyState: number = WebSocket.OPEN;
  onClose: ((code: number, reason: string) => void) | undefined;
  readonly #deliver: (data: Uint8Array) => void;

  constructor(id: string, deliver: (data: Uint8Array) => void) {
    this.id = id;
    this.#deliver = deliver;
  }

  send(data: Uint8Array | ArrayBuffer | string): void {
    if (this.readyState !== WebSocket.OPEN) throw new Error("socket closed");
    if (typeof data === "string") throw new Error("the room sends binary frames only");
    this.#deliver(data instanceof Uint8Array ? data.slice() : new Uint8Array(data));
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState === WebSocket.CLOSED) return;
    this.readyState = WebSocket.CLOSED;
    this.onClose?.(code, reason);
  }
}

/** What a room restarted on `storage` holds, as DocumentStore loads it (Postgres left out). */
export async function loadStored(storage: MemoryStorage): Promise<Y.Doc> {
  return docOf(await new UpdateLog(storage, () => {}).load());
}

function docOf(stored: LoadedLog): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => stored.updates.forEach((update) => Y.applyUpdate(doc, update)));
  clearPending(doc);
  return doc;
}
