import { endedSessions, openDatabase } from "@collab/db";
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
  return (await lookUp(sessionId, { databaseUrl, wsProxy }, log)).has(sessionId);
}

/** Sessions asked about within BATCH_MS of each other, looked up together. */
let batch: { ids: Set<string>; ended: Promise<Set<string>> } | undefined;
/**
 * Fifty people joining at once were fifty database connections and round trips, which took a room's
 * connect-to-sync p99 from 105 to 227-266 ms in the benchmark; one query for everyone who connects within a
 * few milliseconds costs one.
 */
const BATCH_MS = 5;

function lookUp(sessionId: string, database: { databaseUrl: string; wsProxy: string | undefined }, log: Logger): Promise<Set<string>> {
  if (!batch) {
    const ids = new Set<string>();
    const ended = new Promise<void>((resolve) => setTimeout(resolve, BATCH_MS)).then(() => {
      batch = undefined;
      return queryEnded([...ids], database, log);
    });
    batch = { ids, ended };
  }
  batch.ids.add(sessionId);
  return batch.ended;
}

/** One query for `ids`; records the answers. Fails open: with the database down or slow, nothing is ended. */
async function queryEnded(ids: string[], database: { databaseUrl: string; wsProxy: string | undefined }, log: Logger): Promise<Set<string>> {
  const { db, end } = openDatabase(database, { max: 1, connectionTimeoutMs: LOOKUP_TIMEOUT_MS });
  try {
    const found = await Promise.race([
      endedSessions(db, ids),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS)),
    ]);
    for (const id of ids) {
      if (found.has(id)) {
        if (ended.size >= MAX_ENDED) ended.delete(ended.values().next().value!);
        ended.add(id);
        live.delete(id);
      } else {
        if (live.size >= MAX_ENDED) live.delete(live.keys().next().value!);
        live.set(id, Date.now());
      }
    }
    return found;
  } catch (error) {
    skipUntil = Date.now() + BACKOFF_MS;
    log.error("session check failed, admitting signed tokens for a while", { backoffMs: BACKOFF_MS, error });
    return new Set();
  } finally {
    void end().catch(() => {});
  }
}

export function rememberSessionEnded(sessionId: string): void {
  live.delete(sessionId);
  ended.add(sessionId);
}
