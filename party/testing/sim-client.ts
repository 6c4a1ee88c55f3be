import { DocRoot } from "@collab/protocol";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MessageType, SyncType, writeSyncFrame } from "../messages.ts";
import { SimSocket, type SimRoom } from "./sim-room.ts";

/** Transaction origin of what a client applies from the room (its own edits have none). */
const REMOTE = Symbol("remote");

/** One WebSocket between a simulated client and the room: both directions are FIFO queues. */
export interface SimConnection {
  socket: SimSocket;
  toRoom: Uint8Array[];
  toClient: Uint8Array[];
  /** Frames this connection sent, for duplicates. */
  sent: Uint8Array[];
}

/**
 * A client as y-partykit's provider behaves, minus awareness: it sends sync step 1 when it connects,
 * answers the room's step 1, and sends every local edit as an update while connected. Offline edits reach
 * the room through the next connection's sync. `received` holds only what came from the room: whatever is
 * in it, the room acknowledged, and no crash may lose it.
 */
export class SimClient {
  readonly name: string;
  readonly userId: string;
  readonly doc = new Y.Doc();
  readonly received = new Y.Doc();
  connection: SimConnection | undefined;
  #connections = 0;
  #holdUntilSynced: boolean;
  /** Whether this connection answered the room's sync step 1 (its answer carried every earlier edit). */
  #answered = false;

  /**
   * @param options.holdUntilSynced Send no update before answering the room's sync step 1. y-partykit's
   *   provider does not wait: an edit typed while it reconnects arrives before the sync answer that carries
   *   the edits it depends on, and waits in the room as pending structs (see the test for what that finds).
   */
  constructor(name: string, userId: string, clientId: number, options: { holdUntilSynced?: boolean } = {}) {
    this.name = name;
    this.userId = userId;
    this.doc.clientID = clientId;
    this.#holdUntilSynced = options.holdUntilSynced ?? false;
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE || !this.connection) return;
      if (this.#holdUntilSynced && !this.#answered) return;
      this.#send(syncFrame(SyncType.update, update));
    });
  }

  get text(): string {
    return this.doc.getText(DocRoot.content).toString();
  }

  /** True while this client's socket is open: false once the room closed it, or it dropped. */
  get online(): boolean {
    return this.connection !== undefined && this.connection.socket.readyState === WebSocket.OPEN;
  }

  async connect(room: SimRoom): Promise<void> {
    const connection: SimConnection = { socket: undefined as unknown as SimSocket, toRoom: [], toClient: [], sent: [] };
    connection.socket = new SimSocket(`${this.name}#${this.#connections++}`, (data) => connection.toClient.push(data));
    this.connection = connection;
    this.#answered = false;
    await room.connect(connection.socket, this.userId);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.sync);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.#send(encoding.toUint8Array(encoder));
  }

  /** The socket is gone (dropped, or closed by the room): what was in flight is lost. */
  drop(room: SimRoom | undefined): void {
    if (!this.connection) return;
    room?.disconnect(this.connection.socket);
    this.connection.socket.readyState = WebSocket.CLOSED;
    this.connection = undefined;
  }

  /** Hands the oldest frame of this connection to the room. */
  deliverToRoom(room: SimRoom): void {
    const frame = this.connection?.toRoom.shift();
    if (frame && this.online) room.receive(this.connection!.socket, frame);
  }

  /** Applies the oldest frame the room sent (twice, for a duplicate), answering as the provider does. */
  deliverToClient(duplicate = false): void {
    const frame = this.connection?.toClient.shift();
    if (!frame) return;
    for (let i = duplicate ? 2 : 1; i > 0; i--) this.#apply(frame);
  }

  /** Sends again a frame this connection sent before. */
  resend(index: number): void {
    const sent = this.connection?.sent;
    if (sent?.length) this.#send(sent[index % sent.length]!);
  }

  /** A keystroke-sized insert, or a delete when `insert` is undefined, at `position` (a fraction of the length). */
  edit(position: number, insert: string | undefined, deleteLength: number): void {
    const text = this.doc.getText(DocRoot.content);
    if (insert !== undefined || text.length === 0) return text.insert(Math.floor(position * (text.length + 1)), insert ?? "x");
    const start = Math.floor(position * text.length);
    text.delete(start, Math.min(deleteLength, text.length - start));
  }

  #send(frame: Uint8Array): void {
    if (!this.connection) return;
    this.connection.toRoom.push(frame);
    this.connection.sent.push(frame);
  }

  #apply(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MessageType.sync) return;
    const syncType = decoding.peekVarUint(decoder);
    if (syncType === SyncType.step2 || syncType === SyncType.update) {
      const payload = decoding.createDecoder(frame);
      decoding.readVarUint(payload);
      decoding.readVarUint(payload);
      Y.applyUpdate(this.received, decoding.readVarUint8Array(payload));
    }
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.sync);
    syncProtocol.readSyncMessage(decoder, encoder, this.doc, REMOTE);
    if (encoding.length(encoder) > 1) this.#send(encoding.toUint8Array(encoder));
    if (syncType === SyncType.step1) this.#answered = true;
  }
}

export const syncFrame = writeSyncFrame;

/** True if `doc` holds everything `other` holds: every struct (by state vector) and every deletion. */
export function covers(doc: Y.Doc, other: Y.Doc): boolean {
  const mine = Y.decodeStateVector(Y.encodeStateVector(doc));
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(other))) {
    if ((mine.get(client) ?? 0) < clock) return false;
  }
  const probe = new Y.Doc();
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc));
  let changed = false;
  probe.on("update", () => (changed = true));
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(other));
  return !changed;
}
