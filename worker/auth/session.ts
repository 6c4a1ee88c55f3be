import { createSession, findSessionUser, revokeSession, visibleDocumentIds, type UserRow } from "@collab/db";
import { ErrorCode, SESSION_COOKIE } from "@collab/protocol";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { sign, verify } from "hono/jwt";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { sendRoomCommand } from "../rooms.ts";

/**
 * Sessions: a signed token (HS256, `AUTH_SECRET`, with expiry) naming a server-side session row. The browser
 * gets it as an HttpOnly, SameSite=Lax cookie (Secure on https); API clients send it as a Bearer token.
 * Logging out revokes the row, so a copied token stops working too.
 */
const ALGORITHM = "HS256";

interface SessionClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
  [key: string]: unknown;
}

/** Opens a session for `user`, sets the cookie, and returns the token and its expiry. */
export async function startSession(c: Context<AppEnv>, user: UserRow): Promise<{ token: string; expiresAt: Date }> {
  const { config, db } = c.var;
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = new Date((now + config.sessionTtlSeconds) * 1000);
  const sid = randomId();
  await createSession(db, { id: sid, userId: user.id, expiresAt });
  const claims: SessionClaims = { sub: user.id, sid, iat: now, exp: now + config.sessionTtlSeconds };
  const token = await sign(claims, config.authSecret, ALGORITHM);
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: new URL(c.req.url).protocol === "https:",
    path: "/",
    maxAge: config.sessionTtlSeconds,
  });
  return { token, expiresAt };
}

/** Requires a live session: sets `user` and `sessionId`, or answers 401. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c) ?? getCookie(c, SESSION_COOKIE);
  if (!token) throw unauthorized("Sign in first");
  let claims: SessionClaims;
  try {
    claims = (await verify(token, c.var.config.authSecret, ALGORITHM)) as SessionClaims;
  } catch {
    throw unauthorized("Your session is invalid or expired; sign in again");
  }
  const user = await findSessionUser(c.var.db, claims.sid);
  if (!user || user.id !== claims.sub) throw unauthorized("Your session has ended; sign in again");
  c.set("user", user);
  c.set("sessionId", claims.sid);
  await next();
});

/**
 * Logout: the session row is revoked first (no new token, and rooms refuse its room tokens from then on,
 * see party/session-check.ts), then every room the user is present in is told to close that session's
 * sockets (4410). Presence says which rooms: the user's visible documents where they are connected now.
 * Rooms are told best-effort: the session is already over, and a room that cannot be told still refuses
 * the session's next connection.
 */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const { db, config, user, sessionId, log } = c.var;
  await revokeSession(db, sessionId);
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
  let rooms: string[] = [];
  try {
    const present = await config.presence.active(await visibleDocumentIds(db, user.id));
    rooms = [...present].filter(([, users]) => users.some((entry) => entry.id === user.id)).map(([docId]) => docId);
  } catch (error) {
    log.error("logout: could not list the session's rooms", { error });
  }
  const results = await Promise.allSettled(rooms.map((docId) => sendRoomCommand(config, docId, { type: "session-ended", sessionId }, log)));
  for (const [i, result] of results.entries()) {
    if (result.status === "rejected") log.error("logout: room not told", { room: rooms[i], error: result.reason });
  }
}

function bearerToken(c: Context): string | undefined {
  const header = c.req.header("authorization");
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, ErrorCode.Unauthorized, message);
}

/** 32 random bytes, base64url: unguessable session and link ids. */
export function randomId(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
