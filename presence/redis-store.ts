import { ActiveUser, createLogger, type RoomMetricsReport, type StoredRoomMetrics } from "@collab/protocol";
// The Workers build: the default (Node) build fails inside rooms with "Unsupported cache mode: no-store".
// It runs unchanged on Node (tests, tools), which has the same global fetch.
import { Redis } from "@upstash/redis/cloudflare";
import { MAX_METRICS_ROOMS, METRICS_ROOM_RETENTION_MS, PresenceUnavailableError, ttlMillis, type PresenceStore } from "./store.ts";

/**
 * Presence in Redis through Upstash's REST protocol (`@upstash/redis`): production on Upstash, locally the
 * bridge in tools/upstash-bridge in front of a real Redis.
 *
 * Layout, under a prefix (default `presence:`):
 * - `<prefix>doc:<docId>`: the room's users as JSON, with a TTL (PX). Redis expires it by itself: the
 *   authority on who is present, so a crashed room's users vanish without anybody cleaning up.
 * - `<prefix>active`: a sorted set of document ids scored by the publisher's idea of the expiry time (ms).
 *   Only an index of candidates for `active()` without a filter: members are confirmed with MGET of the
 *   doc keys, so clock skew between publishers or a stale member can never show a ghost. Members older
 *   than `indexGraceMs` are removed lazily on every publish and every unfiltered `active()`.
 *
 * - Metrics (issue 10): `<prefix>metrics:total` and `<prefix>metrics:room:<docId>` are hashes of summed
 *   counters (HINCRBY, so they only grow; a room's expires a day after its last report);
 *   `<prefix>metrics:gauges:<docId>` is the room's gauges as JSON with the report's TTL; the sorted set
 *   `<prefix>metrics:rooms` scores rooms by their last report. One MULTI/EXEC per report; `metrics()` is
 *   two round trips.
 *
 * Costs: `publish` and `clear` are one HTTP round trip each (MULTI/EXEC of SET + ZADD + ZREMRANGEBYSCORE,
 * resp. DEL + ZREM); `users` one GET; `active(docIds)` one MGET per 500 ids; `active()` two round trips.
 */
export interface RedisPresenceOptions {
  /** UPSTASH_REDIS_REST_URL */
  url: string;
  /** UPSTASH_REDIS_REST_TOKEN */
  token: string;
  /** Key namespace; tests use one of their own so they can share a Redis. */
  prefix?: string;
  /** How long an index member outlives its expiry score before it is cleaned (clock skew allowance). */
  indexGraceMs?: number;
  /** Retries of a failed HTTP request (network errors only), with the client's exponential backoff. */
  retries?: number;
}

const MGET_CHUNK = 500;
/** Shared by the worker and the rooms, so neither's request or room id is at hand: the line names the document. */
const log = createLogger({ level: "warn", fields: { component: "presence" } });
const StoredUsers = ActiveUser.array();

export class RedisPresenceStore implements PresenceStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #activeKey: string;
  readonly #indexGraceMs: number;

  constructor(options: RedisPresenceOptions) {
    this.#redis = new Redis({
      url: options.url,
      token: options.token,
      // Values come back exactly as stored: presence parses and checks its own JSON.
      automaticDeserialization: false,
      // Every call below is already one request; batching across calls would only add a delay.
      enableAutoPipelining: false,
      enableTelemetry: false,
      retry: { retries: options.retries ?? 2 },
    });
    this.#prefix = options.prefix ?? "presence:";
    this.#activeKey = `${this.#prefix}active`;
    this.#indexGraceMs = options.indexGraceMs ?? 60_000;
  }

  async publish(docId: string, users: ActiveUser[], ttlSeconds: number): Promise<void> {
    const ttlMs = ttlMillis(ttlSeconds);
    if (users.length === 0) return this.clear(docId);
    const now = Date.now();
    await this.#run(() =>
      this.#redis
        .multi()
        .set(this.#docKey(docId), JSON.stringify(users), { px: ttlMs })
        .zadd(this.#activeKey, { score: now + ttlMs, member: docId })
        .zremrangebyscore(this.#activeKey, "-inf", now - this.#indexGraceMs)
        .exec(),
    );
  }

  async clear(docId: string): Promise<void> {
    await this.#run(() => this.#redis.multi().del(this.#docKey(docId)).zrem(this.#activeKey, docId).exec());
  }

  async users(docId: string): Promise<ActiveUser[]> {
    const stored = await this.#run(() => this.#redis.get<string>(this.#docKey(docId)));
    return parseUsers(stored, docId) ?? [];
  }

  async active(docIds?: string[]): Promise<Map<string, ActiveUser[]>> {
    const candidates = docIds ? [...new Set(docIds)] : await this.#indexed();
    const active = new Map<string, ActiveUser[]>();
    for (let i = 0; i < candidates.length; i += MGET_CHUNK) {
      const chunk = candidates.slice(i, i + MGET_CHUNK);
      const stored = await this.#run(() => this.#redis.mget<(string | null)[]>(...chunk.map((docId) => this.#docKey(docId))));
      chunk.forEach((docId, j) => {
        const users = parseUsers(stored[j] ?? null, docId);
        if (users && users.length > 0) active.set(docId, users);
      });
    }
    return active;
  }

  async reportMetrics(docId: string, report: RoomMetricsReport, ttlSeconds: number): Promise<void> {
    const ttlMs = ttlMillis(ttlSeconds);
    const now = Date.now();
    const roomKey = `${this.#prefix}metrics:room:${docId}`;
    await this.#run(() => {
      const multi = this.#redis.multi();
      for (const [field, value] of Object.entries(report.counters)) {
        if (value === 0) continue;
        multi.hincrby(roomKey, field, value).hincrby(this.#metricsKey("total"), field, value);
      }
      return multi
        .pexpire(roomKey, METRICS_ROOM_RETENTION_MS)
        .set(this.#metricsKey(`gauges:${docId}`), JSON.stringify(report.gauges), { px: ttlMs })
        .zadd(this.#metricsKey("rooms"), { score: now, member: docId })
        .zremrangebyscore(this.#metricsKey("rooms"), "-inf", now - METRICS_ROOM_RETENTION_MS)
        .exec();
    });
  }

  async metrics(): Promise<StoredRoomMetrics> {
    const [total, docIds] = await this.#run(() =>
      this.#redis
        .pipeline()
        .hgetall<Record<string, string>>(this.#metricsKey("total"))
        .zrange<string[]>(this.#metricsKey("rooms"), 0, MAX_METRICS_ROOMS - 1, { rev: true })
        .exec<[Record<string, string> | unknown[] | null, string[]]>(),
    );
    const rooms: StoredRoomMetrics["rooms"] = [];
    if (docIds.length > 0) {
      const pipeline = this.#redis.pipeline();
      for (const docId of docIds) pipeline.hgetall(this.#metricsKey(`room:${docId}`)).get(this.#metricsKey(`gauges:${docId}`));
      const answers = await this.#run(() => pipeline.exec<unknown[]>());
      docIds.forEach((docId, i) => {
        const counters = answers[2 * i] as Record<string, string> | unknown[] | null;
        if (!counters || (Array.isArray(counters) && counters.length === 0)) return;
        rooms.push({ docId, counters: numbers(counters), gauges: parseGauges(answers[2 * i + 1]) });
      });
    }
    return { total: numbers(total ?? {}), rooms };
  }

  #metricsKey(name: string): string {
    return `${this.#prefix}metrics:${name}`;
  }

  /** Documents the index still lists (cleaning it on the way), to be confirmed by their keys. */
  async #indexed(): Promise<string[]> {
    const floor = Date.now() - this.#indexGraceMs;
    const [, members] = await this.#run(() =>
      this.#redis.pipeline().zremrangebyscore(this.#activeKey, "-inf", floor).zrange<string[]>(this.#activeKey, floor, "+inf", { byScore: true }).exec<[number, string[]]>(),
    );
    return members;
  }

  #docKey(docId: string): string {
    return `${this.#prefix}doc:${docId}`;
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new PresenceUnavailableError(`Redis presence: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Stored users, checked; a value that is not ours (another writer, an old format) counts as nobody. */
function parseUsers(stored: string | null, docId: string): ActiveUser[] | undefined {
  if (stored === null) return undefined;
  try {
    return StoredUsers.parse(JSON.parse(stored));
  } catch {
    log.warn("ignoring malformed presence", { room: docId });
    return undefined;
  }
}

/** A hash as numbers. Without automatic deserialization, HGETALL answers a flat [field, value, ...] list. */
function numbers(hash: Record<string, unknown> | unknown[]): Record<string, number> {
  const entries: Array<[string, unknown]> = [];
  if (Array.isArray(hash)) for (let i = 0; i + 1 < hash.length; i += 2) entries.push([String(hash[i]), hash[i + 1]]);
  else entries.push(...Object.entries(hash));
  return Object.fromEntries(entries.map(([key, value]) => [key, Number(value)] as const).filter(([, value]) => Number.isFinite(value)));
}

function parseGauges(stored: unknown): Record<string, number> | undefined {
  if (typeof stored !== "string") return undefined;
  try {
    return numbers(JSON.parse(stored) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}
