import {
  ErrorBody,
  ErrorCode,
  ROOM_TOKEN_ALGORITHM,
  ROOM_TOKEN_TTL_SECONDS,
  RoomTextView,
  roomPath,
  type Role,
  type RoomCommand,
  type RoomTokenClaims,
  type Logger,
} from "@collab/protocol";
import { sign } from "hono/jwt";
import type { WorkerConfig } from "./config.ts";
import { ApiError } from "./errors.ts";

/** Signs a room token for one user, one document and one role; valid for five minutes. */
export async function signRoomToken(
  config: WorkerConfig,
  grant: { userId: string; docId: string; role: Role; name: string; color: string; sessionId: string },
): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(Date.now() / 1000);
  const claims: RoomTokenClaims = {
    sub: grant.userId,
    doc: grant.docId,
    role: grant.role,
    name: grant.name,
    color: grant.color,
    sid: grant.sessionId,
    iat,
    exp: iat + ROOM_TOKEN_TTL_SECONDS,
  };
  return { token: await sign(claims, config.roomTokenSecret, ROOM_TOKEN_ALGORITHM), expiresAt: new Date(claims.exp * 1000) };
}

/**
 * Tells a document's room about a change (access, deletion, new content). The room's internal endpoint
 * takes INTERNAL_SECRET as a bearer credential (never the room-token secret); nothing else can reach it.
 */
export async function sendRoomCommand(config: WorkerConfig, docId: string, command: RoomCommand, log: Logger): Promise<unknown> {
  const response = await roomFetch(config, log, docId, { method: "POST", body: JSON.stringify(command), headers: { "content-type": "application/json" } });
  return response.json();
}

/** Asks a document's room for a view of its live state, e.g. `authorship` or `text` (GET `?view=`). */
export async function queryRoom(config: WorkerConfig, docId: string, view: "authorship" | "text", log: Logger): Promise<unknown> {
  const response = await roomFetch(config, log, docId, { method: "GET" }, `?view=${view}`);
  return response.json();
}

/**
 * The text people see: the live room's when the room has the document loaded, else the latest snapshot
 * (which is then current). A room that cannot be reached answers 503 like every room call: a snapshot
 * could be older than what people have on screen.
 */
export async function liveText(config: WorkerConfig, docId: string, log: Logger, snapshotText: () => Promise<string>): Promise<{ text: string; source: "room" | "snapshot" }> {
  const view = RoomTextView.parse(await queryRoom(config, docId, "text", log));
  return view.loaded ? { text: view.text, source: "room" } : { text: await snapshotText(), source: "snapshot" };
}

async function roomFetch(config: WorkerConfig, log: Logger, docId: string, init: RequestInit, query = ""): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${config.partyUrl}${roomPath(docId)}${query}`, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${config.internalSecret}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    log.error("room unreachable", { room: docId, error });
    throw new ApiError(503, ErrorCode.RoomUnavailable, "The document's room could not be reached; try again", { headers: RETRY_AFTER });
  }
  if (response.status === 404) {
    // The room was told the document is deleted (a delete whose database step failed and was not retried).
    throw new ApiError(404, ErrorCode.NotFound, "Document not found");
  }
  if (!response.ok) {
    const text = await response.text();
    log.error("room refused a command", { room: docId, status: response.status, body: text.slice(0, 500) });
    if (response.status === 503 && ErrorBody.safeParse(safeJson(text)).data?.error.code === ErrorCode.DatabaseUnavailable) {
      // A REST edit that reached the room and its storage, but not Postgres yet: the caller retries (the
      // same content again is an empty edit) or reads it back later.
      throw new ApiError(503, ErrorCode.DatabaseUnavailable, "The change is in the live document but could not be saved to the database yet; try again", { headers: RETRY_AFTER });
    }
    throw new ApiError(503, ErrorCode.RoomUnavailable, "The document's room could not apply the change; try again", { headers: RETRY_AFTER });
  }
  return response;
}

const RETRY_AFTER = { "Retry-After": "1" };

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
