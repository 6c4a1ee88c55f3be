import {
  CloseCode,
  closeReason,
  createLogger,
  ErrorCode,
  ROOM_PATH_PREFIX,
  ROOM_CLIENT_ID,
  RoomCounter,
  RoomGauge,
  isValidDocId,
  type Logger,
  type ActiveUser,
} from "@collab/protocol";
import type * as Party from "partykit/server";
import { onConnect } from "y-partykit";
import { readRoomConfig, readRoomSecret, type RoomConfig } from "./config.ts";
import { DocumentStore, errorText } from "./document-store.ts";
import { Peer } from "./peer.ts";
import { RoomAccess } from "./room-access.ts";
import { claimsOf, isInternal, verifyRoomToken, withClaims } from "./room-auth.ts";
import { SessionCheck } from "./session-check.ts";
import { RoomDatabase } from "./database.ts";
import { AwarenessGuard } from "./awareness-guard.ts";
import { SyncType, writeAwarenessFrame, writeSyncFrame } from "./messages.ts";
import { PendingBudget } from "./pending-budget.ts";
import { ClientIds } from "./client-ids.ts";
import { JoinGuard } from "./join-guard.ts";
import { UnreadByUser } from "./drain-check.ts";
import { UploadBudget } from "./chunked-upload.ts";
import { ClientIdRecords } from "./client-id-records.ts";
import * as Y from "yjs";
import { answerSyncStep1 } from "./sync-answer.ts";
import { claimWriterIds } from "./writer-ids.ts";
import { AWARENESS_FLOOD_PER_SECOND, openConnection, takeIn, type Connection } from "./connection.ts";
import { detachLib0ErrorStacks } from "./frame-guard.ts";
import { WriterSync } from "./writer-sync.ts";
import { lineAuthors } from "@collab/protocol/line-authors";
import { RoomVersions } from "./room-versions.ts";
import { ROOM_WRITER } from "./room-writes.ts";
import { answerInternalRequest, problem, type CommandRoom } from "./room-commands.ts";
import type { RoomMetrics } from "./room-metrics.ts";
import { RoomReports } from "./room-reports.ts";

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
  readonly #peers = new Map<Party.Connection, Connection>();
  #nextKey = 0;
  /** The room's connection to Postgres, kept through bursts of work (database.ts). */
  readonly #database: RoomDatabase;
  readonly #sessions: SessionCheck;
  readonly #joins: JoinGuard;
  readonly #uploads: UploadBudget;
  readonly #unread = new UnreadByUser();
  readonly #clientIds: ClientIds;
  readonly #clientIdRecords: ClientIdRecords;
  readonly #writerSync: WriterSync;
  /** The Postgres copy of the writer records merged in (it never fails: see WriterSync.seed); once started. */
  #writersSeeded: Promise<void> | undefined;
  #clientIdsLoaded: Promise<void> | undefined;
  readonly #awareness: AwarenessGuard;
  #accessLoaded: Promise<void> | undefined;
  #idleTimer: ReturnType<typeof setInterval> | undefined;
  readonly #pending: PendingBudget<number>;
  #versions: RoomVersions | undefined;
  #watchedDoc: Y.Doc | undefined;
  /** JSON lines with `room` (protocol/log.ts); the id is read per line, as alarms start without one. */
  readonly #log: Logger;
  /** Who is here and the room's counters, reported through the presence channel (off with PRESENCE=off). */
  readonly #reports: RoomReports;
  /** The reports' counters (undefined when they are off). */
  readonly #metrics: RoomMetrics | undefined;

  constructor(room: Party.Room) {
    this.#room = room;
    detachLib0ErrorStacks();
    this.#config = readRoomConfig(room.env);
    this.#log = createLogger({ level: this.#config.logLevel, context: () => ({ room: this.#roomId() }) });
    this.#database = new RoomDatabase(this.#config);
    this.#reports = new RoomReports(room, this.#config, {
      roomId: () => this.#roomId(),
      gauges: () => ({
        [RoomGauge.connections]: this.#peers.size,
        [RoomGauge.snapshotAgeSeconds]: Math.round(this.#store.snapshotAgeMs / 100) / 10,
        [RoomGauge.documentBytes]: this.#store.storedBytes,
      }),
      storageWrites: () => this.#store.storageStats.writes,
      log: this.#log,
    });
    this.#metrics = this.#reports.metrics;
    this.#store = new DocumentStore(room, this.#config, this.#database, {
      onStorageFailed: () => this.#closeWriters(),
      onStorageLost: () => [...this.#peers.values()].forEach(({ peer }) => this.#close(peer, CloseCode.StorageUnavailable, "room storage is failing, retry shortly")),
      onSnapshot: (saved) => {
        this.#metrics?.count(saved ? RoomCounter.snapshotSaves : RoomCounter.failedSaves);
        // With nobody connected (the last one left, or an admin's save), everything: the object may go soon.
        if (saved) this.#writerSync.flush(this.#room.id, this.#clientIdRecords, this.#peers.size === 0);
      },
    });
    this.#pending = new PendingBudget({ maxBytes: this.#config.maxPendingBytes, maxAgeMs: this.#config.maxPendingMs });
    this.#access = new RoomAccess(room.storage, this.#log);
    this.#sessions = new SessionCheck(this.#config, this.#log);
    this.#joins = new JoinGuard(this.#config.joins);
    this.#uploads = new UploadBudget(this.#config.uploads.maxRoomBytes);
    this.#clientIds = new ClientIds({ maxPerConnection: this.#config.awareness.maxClientIds });
    // The room's own writes are trusted by their id (room-writes.ts): no connection may use it.
    this.#clientIds.restore(ROOM_CLIENT_ID, ROOM_WRITER);
    this.#clientIdRecords = new ClientIdRecords(room.storage, this.#log);
    this.#writerSync = new WriterSync(this.#database, this.#log);
    this.#awareness = new AwarenessGuard(this.#clientIds);
  }

  /** Runs at the edge before the room is touched: invalid ids and missing, forged, expired or other-document tokens never reach it. */
  static async onBeforeConnect(request: Party.Request, lobby: Party.Lobby): Promise<Party.Request | Response> {
    const id = docIdOf(request);
    if (!isValidDocId(id)) return invalidId();
    const verdict = await verifyRoomToken(request, id, readRoomSecret(lobby.env));
    if (!verdict.ok) return Response.json({ error: { code: verdict.status === 401 ? ErrorCode.Unauthorized : ErrorCode.Forbidden, message: verdict.message } }, { status: verdict.status });
    return withClaims(request, verdict.claims);
  }

  static onBeforeRequest(request: Party.Request): Party.Request | Response {
    return isValidDocId(docIdOf(request)) ? request : invalidId();
  }

  async onConnect(socket: Party.Connection, context: Party.ConnectionContext): Promise<void> {
    const claims = claimsOf(context.request);
    if (!claims || claims.doc !== this.#room.id) return this.#refuse(socket, CloseCode.Unauthorized, "no verified room token");
    // Before any work for the join: a token opens any number of sockets while it is valid.
    const admitted = this.#joins.admit(claims.sub);
    if (!admitted.ok) return this.#refuse(socket, CloseCode.RateLimited, admitted.reason);
    try {
      await this.#loadAccess();
      if (this.#access.deleted) return this.#refuse(socket, CloseCode.DocumentDeleted, "this document was deleted");
      // A token issued before the user's role changed: a fresh one carries the current role, or none.
      if (this.#access.exceedsRecordedRole(claims)) return this.#refuse(socket, CloseCode.Unauthorized, "access changed, fetch a new token");
      // Looked up while the document loads: a joiner waits for the slower of the two, not for both.
      const sessionEnded = this.#sessions.hasEnded(claims.sid, claims.iat);
      // The document and the client-id records are two reads of room storage: neither waits for the other.
      const [doc] = await Promise.all([this.#store.ready(this.#room.id), this.#loadClientIds()]);
      void this.#seedWriters();
      this.#watchVersions(doc);
      if (await sessionEnded) return this.#refuse(socket, CloseCode.SessionEnded, "your session has ended; sign in again");
    } catch (error) {
      this.#log.error("load failed", { error: errorText(error) });
      this.#metrics?.count(RoomCounter.loadFailures);
      return this.#refuse(socket, CloseCode.RoomUnavailable, "document could not be loaded, retry shortly");
    }
    if (!this.#store.writable && claims.role !== "viewer") return this.#refuse(socket, CloseCode.StorageUnavailable, "room storage is failing, retry shortly");
    this.#metrics?.count(RoomCounter.connectionsOpened);
    const connection = openConnection(socket, claims, this.#nextKey++, this.#config, this.#store.commit, this.#uploads, (bytes) => this.#sent(socket, bytes));
    const { peer } = connection;
    this.#peers.set(socket, connection);
    this.#joins.joined(claims.sub);
    // Providers renew their awareness every 15 s; a socket silent for three renewals is half-open (a laptop
    // lid closed, a network gone) and is closed so its cursor leaves.
    this.#idleTimer ??= setInterval(() => this.#closeIdle(), Math.min(5_000, this.#config.idleTimeoutMs / 3, this.#config.maxPendingMs / 3, this.#config.uploads.timeoutMs / 3));
    this.#publishPresence();
    // Viewers: their sync requests are answered and their awareness flows; their writes never reach y-partykit.
    await onConnect(peer as unknown as Party.Connection, this.#room, this.#store.yOptions);
  }

  onMessage(message: string | ArrayBuffer | ArrayBufferView, socket: Party.Connection): void {
    const entry = this.#peers.get(socket);
    if (!entry) return;
    const { peer } = entry;
    entry.lastSeen = Date.now();
    this.#metrics?.count(RoomCounter.messagesReceived);
    this.#metrics?.count(RoomCounter.bytesReceived, typeof message === "string" ? message.length : message.byteLength);
    const intake = takeIn(entry, message, this.#config);
    if (intake.kind === "refuse") return this.#reject(peer, intake.code, intake.reason);
    if (intake.kind === "skip") return;
    const { bytes, verdict } = intake;
    if (verdict.updateBytes > 0 && this.#store.wouldExceedMaxSize(verdict.updateBytes)) {
      return this.#reject(peer, CloseCode.DocumentTooLarge, `document would exceed ${this.#config.maxDocumentBytes} bytes`);
    }
    if (verdict.structs) {
      const refused = claimWriterIds(this.#store.doc, verdict.structs, { key: entry.key, userId: entry.claims.sub }, {
        clientIds: this.#clientIds,
        records: this.#clientIdRecords,
        maxPerConnection: this.#config.awareness.maxClientIds,
      });
      if (refused) return this.#reject(peer, refused.code, refused.reason);
    }
    if (verdict.awareness) {
      const checked = this.#awareness.accept({ key: entry.key, userId: entry.claims.sub }, entry.claims, verdict.awareness);
      if (!checked.ok) return this.#reject(peer, checked.code, checked.reason);
      let ownBytes = 0;
      let answers = 0;
      const unread = entry.drain.unread;
      for (const own of checked.own) {
        if (entry.drain.received(own.clientId, own.clock)) answers++;
        ownBytes += own.bytes;
      }
      if (entry.drain.unread < unread) this.#unread.change(entry.claims.sub, entry.drain.unread - unread);
      if (!entry.awarenessBytes.take(ownBytes)) {
        return this.#reject(peer, CloseCode.RateLimited, `over ${this.#config.awareness.bytesPerSecond} bytes of awareness a second`);
      }
      // A probe's answer repeats the state the others have (at a newer clock): broadcasting it would make
      // every probe cost the whole room a frame, and echoing providers one more each.
      if (!checked.frame || answers === checked.own.length) return;
      const offered = entry.throttle.offer(checked.frame, (frame) => peer.deliver(frame.buffer as ArrayBuffer));
      if (offered === "flood") this.#reject(peer, CloseCode.RateLimited, `over ${AWARENESS_FLOOD_PER_SECOND} awareness updates a second`);
      return;
    }
    // While the document holds pending state (someone's updates with gaps), the room answers a sync step 1
    // itself so that the answer leaves it out (see sync-answer.ts); that is every role's step 1.
    const doc = this.#store.doc;
    if (doc && this.#store.pendingBytes > 0) {
      const answer = answerSyncStep1(doc, bytes);
      if (answer) return peer.send(answer);
    }
    if (entry.claims.role === "viewer") return peer.deliver(ownBuffer(bytes));
    if (!this.#store.writable) return this.#reject(peer, CloseCode.StorageUnavailable, "room storage is failing");
    // y-partykit applies the frame synchronously: what the pending state gained is this connection's.
    const before = this.#store.pendingBytes;
    if (verdict.updateBytes > 0) this.#metrics?.count(RoomCounter.updatesReceived);
    peer.deliver(ownBuffer(bytes));
    if (this.#pending.record(entry.key, before, this.#store.pendingBytes)) {
      this.#dropPending(`left over ${this.#config.maxPendingBytes} bytes of updates that depend on updates never sent`, entry.key);
    }
  }

  onClose(socket: Party.Connection): void {
    this.#disconnect(socket);
  }

  onError(socket: Party.Connection): void {
    this.#disconnect(socket);
  }

  /** The worker's internal endpoint, authorised with INTERNAL_SECRET (room-commands.ts answers it). */
  async onRequest(request: Party.Request): Promise<Response> {
    if (!(await isInternal(request, this.#config.internalSecret))) return problem(401, ErrorCode.Unauthorized, "Rooms are reached through the API");
    return answerInternalRequest(this.#commandRoom(), request as unknown as Request);
  }

  /** Retries a failed Postgres save after the object was idle or restarted (see the store's onError). */
  async onAlarm(): Promise<void> {
    await this.#store.saveFromAlarm();
  }

  /** What the worker's commands may do to this room (room-commands.ts). */
  #commandRoom(): CommandRoom {
    return {
      id: this.#room.id,
      access: this.#access,
      store: this.#store,
      log: this.#log,
      versions: () => this.#versionsFor(),
      watchVersions: (doc) => this.#watchVersions(doc),
      forgetDocument: async () => {
        this.#versions?.dispose();
        await this.#reports.clear();
      },
      reviveDocument: () => {
        this.#versions = undefined;
      },
      describe: async () => {
        await this.#loadClientIds();
        const writers = Object.fromEntries(this.#clientIdRecords.all());
        return { users: this.#activeUsers(), storage: this.#store.storageStats, pendingBytes: this.#store.pendingBytes, writers };
      },
      authorship: async () => {
        const doc = await this.#store.ready(this.#room.id);
        await this.#loadClientIds();
        await this.#seedWriters();
        const writers = this.#clientIdRecords.all();
        return { lines: lineAuthors(doc, writers), writers: Object.fromEntries(writers) };
      },
      loadAccess: () => this.#loadAccess(),
      closeWhere: (match, code, reason) => {
        let closed = 0;
        for (const { peer, claims } of [...this.#peers.values()]) {
          if (!match(claims)) continue;
          this.#close(peer, code, reason);
          closed++;
        }
        return closed;
      },
    };
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

  /** Room storage failed: close every writer; readers stay (nothing leaves until storage recovers). */
  #closeWriters(): void {
    for (const { peer, claims } of [...this.#peers.values()]) {
      if (claims.role !== "viewer") this.#close(peer, CloseCode.StorageUnavailable, "room storage is failing, retry shortly");
    }
  }

  /**
   * Drops the document's pending state (see PendingBudget). The connection past its size budget (`offender`)
   * is closed with 4425. The other contributors, whose pending updates are dropped with it, stay: the room
   * sends each a sync step 1, and its answer (sync step 2) carries everything the room lacks from it again,
   * including what it depended on if it has that now. A connection that honestly raced its own reconnect
   * then does not notice. Past the age budget nobody is singled out, and every contributor is closed.
   */
  #dropPending(reason: string, offender?: number): void {
    const contributors = new Set(this.#pending.contributors());
    this.#store.clearPending();
    this.#pending.clear();
    const doc = this.#store.doc;
    for (const { key, peer } of [...this.#peers.values()]) {
      if (!contributors.has(key)) continue;
      if (offender === undefined || key === offender || !doc) this.#reject(peer, CloseCode.PendingUpdates, reason);
      else peer.send(writeSyncFrame(SyncType.step1, Y.encodeStateVector(doc)));
    }
  }

  #reject(peer: Peer, code: CloseCode, reason: string): void {
    this.#log.warn("closing a connection", { connection: peer.socket.id, code, reason });
    this.#close(peer, code, reason);
  }

  #close(peer: Peer, code: CloseCode, reason: string): void {
    this.#metrics?.closed(code);
    peer.close(code, reason);
    this.#disconnect(peer.socket);
  }

  /** A close decided inside a broadcast loop, which may decide it again for the same peer before it runs. */
  #rejectIfHere(peer: Peer, code: CloseCode, reason: string): void {
    if (this.#peers.has(peer.socket)) this.#reject(peer, code, reason);
  }

  /** Counts what is sent to a peer; probes it, or closes it when it owes too much unread. */
  #sent(socket: Party.Connection, bytes: number): void {
    const entry = this.#peers.get(socket);
    if (!entry) return;
    const verdict = entry.drain.sent(bytes);
    const owedByUser = this.#unread.change(entry.claims.sub, bytes);
    if (verdict === "slow") {
      // Not from inside y-partykit's broadcast loop that is sending this.
      queueMicrotask(() => this.#rejectIfHere(entry.peer, CloseCode.SlowReader, `over ${this.#config.slowReaderBytes} bytes sent and not read`));
    } else if (owedByUser > this.#config.slowReaderBytes) {
      // The same bound for all of one user's sockets: the one that owes most goes.
      const slowest = [...this.#peers.values()].filter((other) => other.claims.sub === entry.claims.sub).reduce((a, b) => (b.drain.unread > a.drain.unread ? b : a));
      queueMicrotask(() => this.#rejectIfHere(slowest.peer, CloseCode.SlowReader, `your connections owe over ${this.#config.slowReaderBytes} bytes sent and not read`));
    } else if (verdict === "probe") {
      const clientId = [...this.#clientIds.idsOf(entry.key)].find((id) => this.#clientIds.ownerOf(id)!.clock >= 0);
      if (clientId === undefined) return;
      const probe = entry.drain.startProbe(clientId, this.#clientIds.ownerOf(clientId)!.clock);
      entry.peer.send(writeAwarenessFrame([{ clientId, clock: probe.clock, state: null }]));
    }
  }

  /** The client-id records in room storage, read once per object (a failed read is tried by the next join). */
  #loadClientIds(): Promise<void> {
    this.#clientIdsLoaded ??= this.#clientIdRecords.load(this.#clientIds).catch((error) => {
      this.#clientIdsLoaded = undefined;
      throw error;
    });
    return this.#clientIdsLoaded;
  }

  /**
   * Once the document and the stored records are loaded: the writer records Postgres has for client ids
   * room storage lacks, so a room whose storage was lost still knows who wrote what. In the background
   * (Postgres may be slow or away), once per object. Skipped when Postgres had no snapshot of the document:
   * writer records are copied there only after a snapshot, so a new document's room saves the query.
   */
  #seedWriters(): Promise<void> {
    this.#writersSeeded ??=
      this.#store.postgresHadSnapshot === false ? Promise.resolve() : this.#writerSync.seed(this.#room.id, this.#clientIdRecords, this.#clientIds);
    return this.#writersSeeded;
  }

  #disconnect(socket: Party.Connection): void {
    const entry = this.#peers.get(socket);
    if (!entry) return;
    this.#peers.delete(socket);
    this.#joins.left(entry.claims.sub);
    this.#unread.change(entry.claims.sub, -entry.drain.unread);
    entry.upload.dispose();
    entry.throttle.dispose();
    this.#clientIds.release(entry.key);
    entry.peer.disconnected();
    this.#publishPresence();
    this.#metrics?.touch();
    if (this.#peers.size === 0) {
      clearInterval(this.#idleTimer);
      this.#idleTimer = undefined;
      this.#store.lastPeerLeft();
      void this.#versions?.lastPeerLeft();
    }
  }

  /** Created on first use: the room id is only known once a request arrived. */
  #versionsFor(): RoomVersions {
    this.#versions ??= new RoomVersions(this.#config, this.#database, this.#room.storage, this.#room.id, () => this.#store.doc, (error) =>
      this.#log.warn("version not saved, retrying", { error: errorText(error) }),
    );
    return this.#versions;
  }

  /** Counts every change a connection makes to `doc` towards the next version's authors (once per doc). */
  #watchVersions(doc: Y.Doc): void {
    // AUTO_VERSIONS=off: no listener at all, so the typing path is what it was before versions (the benchmark's baseline).
    if (this.#watchedDoc === doc || !this.#config.versions.auto) return;
    this.#watchedDoc = doc;
    doc.on("update", (_update: Uint8Array, origin: unknown) => {
      // y-partykit applies a connection's frames with its Peer as the origin; the room knows its user.
      const author = origin instanceof Peer ? this.#peers.get(origin.socket)?.claims.sub : undefined;
      if (author) this.#versionsFor().edited(author);
    });
  }

  #publishPresence(): void {
    this.#reports.users(this.#activeUsers());
  }

  /** A connection refused before it joined: closed with a named code, and counted. */
  #refuse(socket: Party.Connection, code: CloseCode, reason: string): void {
    this.#metrics?.closed(code);
    socket.close(code, closeReason(reason));
  }

  /** The room id, or undefined in an alarm that started the object (partykit has none to give then). */
  #roomId(): string | undefined {
    try {
      return this.#room.id;
    } catch {
      return undefined;
    }
  }

  #closeIdle(): void {
    if (this.#pending.overdue()) this.#dropPending(`updates waited over ${this.#config.maxPendingMs} ms for updates never sent`);
    const now = Date.now();
    const { idleTimeoutMs, uploads } = this.#config;
    for (const { peer, lastSeen, upload } of [...this.#peers.values()]) {
      if (lastSeen < now - idleTimeoutMs) this.#close(peer, CloseCode.Idle, `nothing received for ${idleTimeoutMs} ms`);
      // An upload trickled in (or abandoned while the socket stays lively) holds room memory: it has a deadline.
      else if ((upload.startedAt ?? now) < now - uploads.timeoutMs) this.#close(peer, CloseCode.Idle, `chunked upload not finished within ${uploads.timeoutMs} ms`);
    }
  }
}

DocumentRoom satisfies Party.Worker;

function docIdOf(request: Party.Request): string {
  return decodeURIComponent(new URL(request.url).pathname.slice(ROOM_PATH_PREFIX.length).split("/")[0] ?? "");
}

/** The frame as an ArrayBuffer of its own, as y-partykit reads it. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

function invalidId(): Response {
  return problem(400, ErrorCode.InvalidDocumentId, "Invalid document id: use 1-64 of A-Z a-z 0-9 _ -");
}

