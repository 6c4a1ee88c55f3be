import { openDatabase, sessionEnded } from "@collab/db";
import type { Logger } from "@collab/protocol";

/** A live session is trusted this long before it is looked up again. */
const LIVE_TTL_MS = 3_000;
/** Ended sessions never come back; remember this many. */
const MAX_ENDED = 10_000;
/** The lookup gives up after this, and the check stays off this long after a failure. */
const LOOKUP_TIMEOUT_MS = 1_000;
const BACKOFF_MS = 10_000;

const live = new Map<string, number>();
const ended = new Set<string>();
let skipUntil = 0;

/**
 * Whether a room token's session has ended (logout), checked when a socket connects, never per message.
 * Module state, so one isolate's rooms share the cache: a connect costs a database round trip at most
 * once per session per 3 s (so an old token works at most 3 s after logout).
 *
 * It fails open: with the database down or slow, a validly signed token (which expires within 5 minutes) is
 * admitted rather than blocking every connection (rooms keep serving through an outage); the worker's
 * `session-ended` command closes the session's open sockets either way.
 */
export async function hasSessionEnded(sessionId: string, env: Record<string, unknown>, log: Logger): Promise<boolean> {
  if (ended.has(sessionId)) return true;
  const checkedAt = live.get(sessionId);
  const now = Date.now();
  if ((checkedAt !== undefined && now - checkedAt < LIVE_TTL_MS) || now < skipUntil) return false;
  const databaseUrl = env.DATABASE_URL;
  if (typeof databaseUrl !== "string") return false;
  const wsProxy = typeof env.DB_WS_PROXY === "string" && env.DB_WS_PROXY ? env.DB_WS_PROXY : undefined;
  const { db, end } = openDatabase({ databaseUrl, wsProxy }, { max: 1, connectionTimeoutMs: LOOKUP_TIMEOUT_MS });
  try {
    const result = await Promise.race([
      sessionEnded(db, sessionId),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS)),
    ]);
    if (result) {
      if (ended.size >= MAX_ENDED) ended.delete(ended.values().next().value!);
      ended.add(sessionId);
      live.delete(sessionId);
    } else {
      if (live.size >= MAX_ENDED) live.delete(live.keys().next().value!);
      live.set(sessionId, Date.now());
    }
    return result;
  } catch (error) {
    skipUntil = Date.now() + BACKOFF_MS;
    log.error("session check failed, admitting signed tokens for a while", { backoffMs: BACKOFF_MS, error });
    return false;
  } finally {
    void end().catch(() => {});
  }
}

/** The worker said this session ended (its `session-ended` command reached a room of this isolate). */
export function rememberSessionEnded(sessionId: string): void {
  live.delete(sessionId);
  ended.add(sessionId);
}
