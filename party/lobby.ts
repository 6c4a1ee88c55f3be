import { ErrorCode } from "@collab/protocol";
import { LOBBY_ROOM, LobbyCommand, MAX_LOBBY_BODY_BYTES, MemoryPresenceStore } from "@collab/presence";
import type * as Party from "partykit/server";
import { readInternalSecret } from "./config.ts";
import { isInternal } from "./room-auth.ts";

/**
 * The presence lobby: who is in which document when no Redis is configured (the embedded default). One
 * room, `/parties/presence/global`, holding every document's users in memory with the same expiry rules
 * as the Redis backend. Rooms and the worker reach it with `LobbyPresenceStore`; the wire protocol is in
 * presence/lobby-protocol.ts.
 *
 * Memory only, on purpose: every active room re-publishes every few seconds, so a restarted lobby is whole
 * again after one refresh interval, and an object that is evicted for being idle had nothing alive to
 * lose. Storage writes would cost more than they save. Expired entries are never answered, and a timer
 * drops them at their expiry so that memory follows what is live. (A storage alarm would wake an evicted
 * object only to find it empty.)
 */
export default class PresenceLobby implements Party.Server {
  readonly #store = new MemoryPresenceStore();
  readonly #secret: string;
  #sweepTimer: ReturnType<typeof setTimeout> | undefined;
  #sweepAt = Infinity;

  constructor(room: Party.Room) {
    this.#secret = readInternalSecret(room.env);
  }

  /** Presence is served over HTTP only. */
  static onBeforeConnect(): Response {
    return problem(404, ErrorCode.NotFound, "The presence lobby takes no connections");
  }

  /** One lobby: any other room id of this party would be an empty one. */
  static onBeforeRequest(request: Party.Request, lobby: Party.Lobby): Party.Request | Response {
    return lobby.id === LOBBY_ROOM ? request : problem(404, ErrorCode.NotFound, `The presence lobby is /parties/presence/${LOBBY_ROOM}`);
  }

  async onRequest(request: Party.Request): Promise<Response> {
    if (!(await isInternal(request, this.#secret))) return problem(401, ErrorCode.Unauthorized, "The presence lobby answers the rooms and the worker only");
    if (request.method !== "POST") return problem(405, "method_not_allowed", "Use POST with a lobby command");
    const body = await request.text();
    if (new TextEncoder().encode(body).byteLength > MAX_LOBBY_BODY_BYTES) return problem(413, ErrorCode.PayloadTooLarge, `Commands are at most ${MAX_LOBBY_BODY_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return problem(400, ErrorCode.MalformedRequest, "The body is not JSON");
    }
    const parsed = LobbyCommand.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return problem(400, ErrorCode.ValidationFailed, `Not a lobby command: ${issue?.path.join(".") || "body"}: ${issue?.message}`);
    }
    const command = parsed.data;
    switch (command.type) {
      case "publish":
        await this.#store.publish(command.docId, command.users, command.ttlMs / 1000);
        this.#scheduleSweep(Date.now() + command.ttlMs);
        return Response.json({ ok: true });
      case "clear":
        await this.#store.clear(command.docId);
        return Response.json({ ok: true });
      case "users":
        return Response.json({ users: await this.#store.users(command.docId) });
      case "active":
        return Response.json({ documents: [...(await this.#store.active(command.docIds))] });
      case "report-metrics":
        await this.#store.reportMetrics(command.docId, command.report, command.ttlMs / 1000);
        return Response.json({ ok: true });
      case "metrics":
        return Response.json(await this.#store.metrics());
    }
  }

  /** Keeps one timer, at the earliest expiry; when it fires, it drops what expired and re-arms. */
  #scheduleSweep(at: number): void {
    if (at >= this.#sweepAt) return;
    clearTimeout(this.#sweepTimer);
    this.#sweepAt = at;
    this.#sweepTimer = setTimeout(() => {
      this.#sweepAt = Infinity;
      const next = this.#store.sweep();
      if (next !== undefined) this.#scheduleSweep(next);
    }, Math.max(0, at - Date.now()) + 5);
  }
}

PresenceLobby satisfies Party.Worker;

function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}
