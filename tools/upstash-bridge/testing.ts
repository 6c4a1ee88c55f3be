import { RedisConnection } from "./resp.ts";

/** The real Redis the tests use: REDIS_URL, else the one every developer machine and CI runner has. */
export const TEST_REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/**
 * Whether the test Redis answers. With CI=true a missing Redis fails the run (CI always has one);
 * elsewhere the Redis suites are skipped with a note saying how to run them.
 *
 * @example
 * const redisUp = await redisAvailable();
 * describe.runIf(redisUp)("with Redis", () => { ... });
 */
export async function redisAvailable(): Promise<boolean> {
  try {
    (await RedisConnection.open(TEST_REDIS_URL, { timeoutMs: 2_000 })).close();
    return true;
  } catch (error) {
    if (process.env.CI === "true") throw new Error(`CI needs a Redis at ${TEST_REDIS_URL} (REDIS_URL): ${(error as Error).message}`);
    console.warn(`skipping the Redis suites: no Redis at ${TEST_REDIS_URL} (${(error as Error).message}); start one or set REDIS_URL`);
    return false;
  }
}

/** A key prefix no other run uses, so suites share one Redis without FLUSHDB. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS or FLUSHDB: the Redis is shared). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = await RedisConnection.open(TEST_REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = (await redis.send([["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "500"].map((arg) => Buffer.from(arg))]))[0] as [Buffer, Buffer[]];
      cursor = next.toString();
      if (keys.length > 0) await redis.send([[Buffer.from("DEL"), ...keys]]);
    } while (cursor !== "0");
  } finally {
    redis.close();
  }
}
