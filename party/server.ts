import {
  CloseCode,
  DocRoot,
  ErrorCode,
  MetaKey,
  ROOM_PATH_PREFIX,
  RoomCommand,
  isValidDocId,
  type ActiveUser,
  type Role,
  type RoomTokenClaims,
} from "@collab/protocol";
import type * as Party from "partykit/server";
import { onConnect } from "y-partykit";
import { readRoomConfig, readRoomSecret, type RoomConfig } from "./config.ts";
import { DocumentStore, errorText } from "./document-store.ts";
import { inspectFrame } from "./frame-guard.ts";
import { Peer } from "./peer.ts";
import { replaceText } from "./replace-text.ts";
import { RoomAccess } from "./room-access.ts";
import { claimsOf, isInternal, verifyRoomToken, withClaims } from "./room-auth.ts";
import { hasSessionEnded, rememberSessionEnded } from "./session-check.ts";
import { AwarenessGuard } from "./awareness-guard.ts";
import { lobbyFetchFromRoom, openPresenceStore, readPresenceConfig } from "@collab/presence";
import { PresencePublisher } from "./presence-publisher.ts";
import { AwarenessThrottle } from "./awareness-throttle.ts";

/** The prefix of y-partykit's chunked-upload markers (its `BATCH_SENTINEL`). */
const CHUNKED_UPLOAD_MARKER = "y-pk-batch";
/** Awareness frames per connection: one every 50 ms at most reaches the others; over 200 a second closes. */
const AWARENESS_INTERVAL_MS = 50;
const AWARENESS_FLOOD_PER_SECOND = 200;

interface Connected {
  /** Unique per socket. Not `socket.id`: y-partykit's provider reuses its id when it reconnects, and the
   * new socket can arrive before the old one's close. */
  key: number;
  peer: Peer;
  claims: RoomTokenClaims;
  throttle: AwarenessThrottle;
  lastSeen: number;
}

/**
 * One room per document. y-partykit speaks the Yjs sync and awareness protocol; this class decides who may
 * connect (a room token verified at the edge; viewers read-only), what reaches y-partykit (checked frames
 * only), and answers the worker's commands (access changes, deletion, REST edits). Where the document lives
 * and when it is written is the DocumentStore's business. See PROTOCOL.md beside this file.
 */
export default class DocumentRoom implements Party.Server {
  readonly #room: Party.Room;
  readonly #config: RoomConfig;
  readonly #store: DocumentStore;
  readonly #access: RoomAccess;
  readonly #peers = new Map<Party.Connection, Connected>();
  #nextKey = 0;
  readonly #awareness = new AwarenessGuard();
  #accessLoaded: Promise<void> | undefined;
  #idleTimer: ReturnType<typeof setInterval> | undefined;
  #presence: PresencePublisher | undefined;

  constructor(room: Party.Room) {
    this.#room = room;
    this.#config = readRoomConfig(room.env);
    this.#store = new DocumentStore(room, this.#config);
    this.#access = new RoomAccess(room.storage);
  }

  /** Runs at the edge before the room is touched: invalid ids and missing, forged, expired or other-document tokens never reach it. */
  static async onBeforeConnect(request: Party.Request, lobby: Party.Lobby): Promise<Party.Request | Response> {
    const id = docIdOf(request);
    if (!isValidDocId(id)) return invalidId();
    const verdict = await verifyRoomToken(request, id, readRoomSecret(lobby.env));
    if (!verdict.ok) return Response.json({ error: { code: verdict.status === 401 ? ErrorCode.Unauthorized : ErrorCode.Forbidden, message: verdict.message } }, { status: verdict.status });
    if (await hasSessionEnded(verdict.claims.sid, lobby.env)) return Response.json({ error: { code: ErrorCode.Unauthorized, message: "Your session has ended; sign in again" } }, { status: 401 });
    return withClaims(request, verdict.claims);
  }

  static onBeforeRequest(request: Party.Request): Party.Request | Response {
    return isValidDocId(docIdOf(request)) ? request : invalidId();
  }

  async onConnect(socket: Party.Connection, context: Party.ConnectionContext): Promise<void> {
    const claims = claimsOf(context.request);
    if (!claims || claims.doc !== this.#room.id) return socket.close(CloseCode.Unauthorized, "no verified room token");
    try {
      await this.#loadAccess();
      if (this.#access.deleted) return socket.close(CloseCode.DocumentDeleted, "this document was deleted");
      // A token issued before the user's role changed: a fresh one carries the current role, or none.
      if (this.#access.exceedsRecordedRole(claims)) return socket.close(CloseCode.Unauthorized, "access changed, fetch a new token");
      await this.#store.ready(this.#room.id);
    } catch (error) {
      console.error(`[room ${this.#room.id}] load failed:`, errorText(error));
      return socket.close(CloseCode.RoomUnavailable, "document could not be loaded, retry shortly");
    }
    const peer = new Peer(socket, this.#store.commit);
    const throttle = new AwarenessThrottle({ intervalMs: AWARENESS_INTERVAL_MS, floodPerSecond: AWARENESS_FLOOD_PER_SECOND });
    this.#peers.set(socket, { key: this.#nextKey++, peer, claims, throttle, lastSeen: Date.now() });
    // Providers renew their awareness every 15 s; a socket silent for three renewals is half-open (a laptop
    // lid closed, a network gone) and is closed so its cursor leaves.
    this.#idleTimer ??= setInterval(() => this.#closeIdle(), Math.min(5_000, this.#config.idleTimeoutMs / 3));
    this.#publishPresence();
    // Viewers: y-partykit answers their sync requests but never applies their updates; awareness still flows.
    await onConnect(peer as unknown as Party.Connection, this.#room, claims.role === "viewer" ? { ...this.#store.yOptions, readOnly: true } : this.#store.yOptions);
  }

  onMessage(message: string | ArrayBuffer | ArrayBufferView, socket: Party.Connection): void {
    const entry = this.#peers.get(socket);
    if (!entry) return;
    const { peer } = entry;
    entry.lastSeen = Date.now();
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
    if (verdict.updateBytes > 0 && entry.claims.role !== "viewer" && this.#store.wouldExceedMaxSize(verdict.updateBytes)) {
      return this.#reject(peer, CloseCode.DocumentTooLarge, `document would exceed ${this.#config.maxDocumentBytes} bytes`);
    }
    if (verdict.awareness) {
      const checked = this.#awareness.accept(entry.key, entry.claims, verdict.awareness);
      if (!checked.ok) return this.#reject(peer, checked.code, checked.reason);
      if (!checked.frame) return;
      const offered = entry.throttle.offer(checked.frame, (frame) => peer.deliver(frame.buffer as ArrayBuffer));
      if (offered === "flood") this.#reject(peer, CloseCode.RateLimited, `over ${AWARENESS_FLOOD_PER_SECOND} awareness updates a second`);
      return;
    }
    peer.deliver(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer);
  }

  onClose(socket: Party.Connection): void {
    this.#disconnect(socket);
  }

  onError(socket: Party.Connection): void {
    this.#disconnect(socket);
  }

  /**
   * The worker's internal endpoint, authorised with the room-token secret: `GET` lists who is connected,
   * `POST` applies a {@link RoomCommand}.
   */
  async onRequest(request: Party.Request): Promise<Response> {
    if (!isInternal(request, this.#config.roomTokenSecret)) return problem(401, ErrorCode.Unauthorized, "Rooms are reached through the API");
    if (request.method === "GET") return Response.json({ users: this.#activeUsers(), storage: this.#store.storageStats });
    if (request.method !== "POST") return problem(405, "method_not_allowed", "Use GET or POST");
    let command: RoomCommand;
    try {
      command = RoomCommand.parse(await request.json());
    } catch {
      return problem(400, ErrorCode.ValidationFailed, "Not a room command");
    }
    await this.#loadAccess();
    if (this.#access.deleted) {
      // Idempotent: the worker tells the room before it deletes the row, and retries when the row's delete
      // failed; a retry must complete the delete, not answer "gone" forever.
      if (command.type === "deleted") return Response.json({ deleted: true });
      return problem(404, ErrorCode.NotFound, "This document was deleted");
    }
    const result = await this.#apply(command);
    if (result.saved === false) {
      return problem(503, ErrorCode.DatabaseUnavailable, "Applied in the room, but the database did not take the save yet; it keeps retrying");
    }
    return Response.json(result);
  }

  /** Retries a failed Postgres save after the object was idle (see the store's onError). */
  async onAlarm(): Promise<void> {
    const docId = await this.#store.storedDocId();
    if (!docId) return;
    await this.#store.ready(docId);
    await this.#store.saveNow();
  }

  async #apply(command: RoomCommand): Promise<Record<string, unknown>> {
    switch (command.type) {
      case "access-changed": {
        this.#access.record(command.userId, command.role);
        const closed = this.#closeUser(command.userId, command.role);
        return { closed };
      }
      case "session-ended": {
        this.#access.endSession(command.sessionId);
        rememberSessionEnded(command.sessionId);
        let closed = 0;
        for (const { peer, claims } of [...this.#peers.values()]) {
          if (claims.sid !== command.sessionId) continue;
          this.#close(peer, CloseCode.SessionEnded, "you signed out");
          closed++;
        }
        return { closed };
      }
      case "deleted": {
        this.#store.forget();
        if (this.#config.presenceEnabled) this.#presenceFor().clear();
        for (const { peer } of [...this.#peers.values()]) this.#close(peer, CloseCode.DocumentDeleted, "this document was deleted");
        await this.#access.markDeleted();
        return { deleted: true };
      }
      case "replace":
      case "set-language": {
        const doc = await this.#store.ready(this.#room.id);
        doc.transact(() => {
          if (command.type === "replace") replaceText(doc.getText(DocRoot.content), command.content);
          else doc.getMap(DocRoot.meta).set(MetaKey.language, command.language);
        }, "rest");
        // The REST caller reads Postgres next: make the snapshot current before answering, and say so when
        // it is not (the edit is in room storage and the save keeps retrying; the worker answers 503).
        await this.#store.saveNow();
        return { length: doc.getText(DocRoot.content).length, saved: !this.#store.saveFailing };
      }
    }
  }

  /** Closes a user's sockets after an access change: 4403 when removed, 4409 to come back with the new role. */
  #closeUser(userId: string, role: Role | null): number {
    let closed = 0;
    for (const { peer, claims } of [...this.#peers.values()]) {
      if (claims.sub !== userId || claims.role === role) continue;
      if (role === null) this.#close(peer, CloseCode.Forbidden, "your access to this document was removed");
      else this.#close(peer, CloseCode.RoleChanged, `your role is now ${role}`);
      closed++;
    }
    return closed;
  }

  #activeUsers(): ActiveUser[] {
    const users = new Map<string, ActiveUser>();
    for (const { claims } of this.#peers.values()) {
      const user = users.get(claims.sub);
      if (user) user.connections++;
      else users.set(claims.sub, { id: claims.sub, name: claims.name, color: claims.color, connections: 1 });
    }
    return [...users.values()];
  }

  #loadAccess(): Promise<void> {
    this.#accessLoaded ??= this.#access.load().catch((error) => {
      this.#accessLoaded = undefined;
      throw error;
    });
    return this.#accessLoaded;
  }

  #reject(peer: Peer, code: CloseCode, reason: string): void {
    console.warn(`[room ${this.#room.id}] closing ${peer.socket.id}: ${code} ${reason}`);
    this.#close(peer, code, reason);
  }

  #close(peer: Peer, code: CloseCode, reason: string): void {
    peer.close(code, reason);
    this.#disconnect(peer.socket);
  }

  #disconnect(socket: Party.Connection): void {
    const entry = this.#peers.get(socket);
    if (!entry) return;
    this.#peers.delete(socket);
    entry.throttle.dispose();
    this.#awareness.release(entry.key);
    entry.peer.disconnected();
    this.#publishPresence();
    if (this.#peers.size === 0) {
      clearInterval(this.#idleTimer);
      this.#idleTimer = undefined;
      this.#store.lastPeerLeft();
    }
  }

  #publishPresence(): void {
    if (this.#config.presenceEnabled) this.#presenceFor().update(this.#activeUsers());
  }

  /** Created on first use: the room id is only known once a request arrived (alarms have none). */
  #presenceFor(): PresencePublisher {
    this.#presence ??= new PresencePublisher(
      openPresenceStore(readPresenceConfig(this.#room.env), {
        baseUrl: "http://lobby",
        secret: this.#config.roomTokenSecret,
        fetch: lobbyFetchFromRoom(this.#room),
      }),
      this.#room.id,
      { ttlSeconds: this.#config.presenceTtlSeconds },
    );
    return this.#presence;
  }

  #closeIdle(): void {
    const cutoff = Date.now() - this.#config.idleTimeoutMs;
    for (const { peer, lastSeen } of [...this.#peers.values()]) {
      if (lastSeen < cutoff) this.#close(peer, CloseCode.Idle, `nothing received for ${this.#config.idleTimeoutMs} ms`);
    }
  }
}

DocumentRoom satisfies Party.Worker;

function docIdOf(request: Party.Request): string {
  return decodeURIComponent(new URL(request.url).pathname.slice(ROOM_PATH_PREFIX.length).split("/")[0] ?? "");
}

function invalidId(): Response {
  return problem(400, ErrorCode.InvalidDocumentId, "Invalid document id: use 1-64 of A-Z a-z 0-9 _ -");
}

function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}
