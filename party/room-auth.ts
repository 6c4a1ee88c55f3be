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

/** workerd's constant-time comparison (not in the DOM's SubtleCrypto type). */
type WorkerdSubtle = SubtleCrypto & { timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean };

/**
 * Whether a request carries INTERNAL_SECRET, the credential of the worker's room commands and of the
 * presence lobby (never ROOM_TOKEN_SECRET: a credential per purpose). Both sides are hashed first so that
 * workerd's `timingSafeEqual`, which wants equal lengths, compares 32 bytes each time and the time taken
 * says nothing about the secret's length either.
 */
export async function isInternal(request: WithHeaders, secret: string): Promise<boolean> {
  const header = request.headers.get("authorization") ?? "";
  const encoder = new TextEncoder();
  const [given, expected] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(header)),
    crypto.subtle.digest("SHA-256", encoder.encode(`Bearer ${secret}`)),
  ]);
  return (crypto.subtle as WorkerdSubtle).timingSafeEqual(given, expected);
}
