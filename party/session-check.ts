import { endedSessions } from "@collab/db";
import type { Logger } from "@collab/protocol";
import type { RoomConfig } from "./config.ts";
import { RoomDatabase } from "./database.ts";

/** A live session is trusted this long before it is looked up again. */
const LIVE_TTL_MS = 3_000;
/** Ended sessions never come back; remember this many. */
const MAX_ENDED = 10_000;
/** The lookup gives up after this, and the check stays off this long after a failure. */
const LOOKUP_TIMEOUT_MS = 1_000;
const BACKOFF_MS = 10_000;

// Shared by every room of the isolate: plain answers, no I/O objects.
const live = new Map<string, number>();
const ended = new Set<string>();
let skipUntil = 0;

/** Remembers an ended session (the worker's `session-ended` command): its tokens are refused at once. */
export function rememberSessionEnded(sessionId: string): void {
  live.delete(sessionId);
  if (ended.size >= MAX_ENDED) ended.delete(ended.values().next().value!);
  ended.add(sessionId);
}

/**
 * Whether a room token's session has ended (logout), asked when a socket joins the room, never per
 * message. A token issued in the last 3 s, or a session found live in the last 3 s (per isolate), is
 * trusted without a lookup, so an old token works at most 3 s after logout; the lookups are queued one
 * query at a time, over a connection the room keeps through a crowd joining.
 * It runs in the room, not at the edge: a Durable Object may keep a socket across requests, a Worker may
 * not, and a connection opened per lookup at the edge cost 1 ms of CPU per joiner (a hundred people joining
 * took connect-to-sync p99 from 148 to 193 ms in the benchmark).
 *
 * It fails open: with the database down or slow, a validly signed token (which expires within 5 minutes) is
 * admitted rather than blocking every connection (rooms keep serving through an outage); the worker's
 * `session-ended` command closes the session's open sockets either way.
 */
export class SessionCheck {
  /**
   * Its own connection, apart from the room's: at most one, and failing within a second while the database
   * is away, so that joiners never wait long for an answer (database.ts keeps it through a crowd joining).
   */
  readonly #database: RoomDatabase | undefined;
  readonly #log: Logger;
  /** The sessions the next query asks about: those asked while the previous query was out. */
  #next: { ids: Set<string>; ended: Promise<Set<string>> } | undefined;
  /** The latest query (it never rejects). */
  #last: Promise<unknown> = Promise.resolve();

  constructor(config: Pick<RoomConfig, "databaseUrl" | "dbWsProxy">, log: Logger) {
    this.#database = config.databaseUrl ? new RoomDatabase(config, { connectionTimeoutMs: LOOKUP_TIMEOUT_MS }) : undefined;
    this.#log = log;
  }

  /**
   * @param issuedAt the token's `iat` (seconds). The worker issues a room token only to a live session, so a
   * token younger than the live cache's 3 s is that same answer and needs no lookup. Clients fetch a token
   * for every connect: most joins never query.
   */
  async hasEnded(sessionId: string, issuedAt: number): Promise<boolean> {
    if (ended.has(sessionId)) return true;
    const now = Date.now();
    // `iat` is rounded down to the second, so this age is never less than the true one. A token from the
    // future (a clock ahead of this one) is looked up.
    const age = now - issuedAt * 1000;
    if (age >= 0 && age < LIVE_TTL_MS) return false;
    const checkedAt = live.get(sessionId);
    if ((checkedAt !== undefined && now - checkedAt < LIVE_TTL_MS) || now < skipUntil || !this.#database) return false;
    // No waiting window: a lone joiner's lookup leaves at once, and everyone who joins while it is out
    // shares the next query (fifty people joining at once are a few round trips, not fifty).
    if (!this.#next) {
      const ids = new Set<string>();
      const found = this.#last.then(() => {
        this.#next = undefined;
        return this.#query([...ids]);
      });
      this.#next = { ids, ended: found };
      this.#last = found;
    }
    this.#next.ids.add(sessionId);
    return (await this.#next.ended).has(sessionId);
  }

  /** One query for `ids`; records the answers. Fails open: with the database down or slow, nothing is ended. */
  async #query(ids: string[]): Promise<Set<string>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const found = await Promise.race([
        this.#database!.run((db) => endedSessions(db, ids)),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS))),
      ]);
      for (const id of ids) {
        if (found.has(id)) rememberSessionEnded(id);
        else {
          if (live.size >= MAX_ENDED) live.delete(live.keys().next().value!);
          live.set(id, Date.now());
        }
      }
      return found;
    } catch (error) {
      skipUntil = Date.now() + BACKOFF_MS;
      this.#log.error("session check failed, admitting signed tokens for a while", { backoffMs: BACKOFF_MS, error });
      return new Set();
    } finally {
      clearTimeout(timer);
    }
  }
}
