import { ROOM_TOKEN_ALGORITHM, ROOM_TOKEN_PARAM, RoomTokenClaims } from "@collab/protocol";
import type * as Party from "partykit/server";
import { verify } from "hono/jwt";

/** Verified claims travel from the edge check to the room in this header (set there, never by the client). */
const CLAIMS_HEADER = "x-collab-room-claims";

export type Verdict = { ok: true; claims: RoomTokenClaims } | { ok: false; status: 401 | 403; message: string };

/**
 * Checks a connection's room token: signed with ROOM_TOKEN_SECRET (HS256 only), not expired, and for this
 * document. Runs in the party's edge worker, before the room is touched.
 */
export async function verifyRoomToken(request: Party.Request, docId: string, secret: string): Promise<Verdict> {
  const token = new URL(request.url).searchParams.get(ROOM_TOKEN_PARAM);
  if (!token) return { ok: false, status: 401, message: "A room token is required (POST /api/documents/:id/token)" };
  let payload: unknown;
  try {
    payload = await verify(token, secret, ROOM_TOKEN_ALGORITHM);
  } catch {
    return { ok: false, status: 401, message: "The room token is invalid or expired" };
  }
  const claims = RoomTokenClaims.safeParse(payload);
  if (!claims.success) return { ok: false, status: 401, message: "The room token is malformed" };
  if (claims.data.doc !== docId) return { ok: false, status: 403, message: "The room token is for another document" };
  return { ok: true, claims: claims.data };
}

/** The request forwarded to the room, carrying the verified claims (any client-sent copy is replaced). */
export function withClaims(request: Party.Request, claims: RoomTokenClaims): Party.Request {
  const forwarded = new Request(request as unknown as Request);
  forwarded.headers.set(CLAIMS_HEADER, JSON.stringify(claims));
  return forwarded as unknown as Party.Request;
}

/** The one thing these helpers need of a request (Cloudflare's and the DOM's Request types differ). */
interface WithHeaders {
  headers: { get(name: string): string | null };
}

export function claimsOf(request: WithHeaders): RoomTokenClaims | undefined {
  const header = request.headers.get(CLAIMS_HEADER);
  if (!header) return undefined;
  const parsed = RoomTokenClaims.safeParse(JSON.parse(header));
  return parsed.success ? parsed.data : undefined;
}

/** Whether a request carries the internal credential the worker uses for room commands. */
export function isInternal(request: WithHeaders, secret: string): boolean {
  const header = request.headers.get("authorization") ?? "";
  const expected = `Bearer ${secret}`;
  if (header.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < header.length; i++) difference |= header.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}
