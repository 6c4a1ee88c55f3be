import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startUpstashBridge, type UpstashBridge } from "../tools/upstash-bridge/bridge.ts";
import { RedisConnection } from "../tools/upstash-bridge/resp.ts";
import { TEST_REDIS_URL, deleteKeys, redisAvailable, uniquePrefix } from "../tools/upstash-bridge/testing.ts";
import { presenceContract } from "./contract.ts";
import { RedisPresenceStore } from "./redis-store.ts";
import { PresenceUnavailableError } from "./store.ts";

// The production client (@upstash/redis, Workers build) through the real bridge in front of the real
// Redis, under a key prefix of this run (the Redis is shared; no FLUSHDB).
const redisUp = await redisAvailable();

describe.runIf(redisUp)("the Redis presence store", () => {
  let bridge: UpstashBridge;
  const prefix = uniquePrefix("presence");

  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: TEST_REDIS_URL });
  });
  afterAll(async () => {
    await bridge?.stop();
    await deleteKeys(prefix);
  });

  presenceContract("Redis through the Upstash bridge", () => ({ kind: "redis", url: bridge.url, token: bridge.token, prefix }));

  const user = { id: "u1", name: "Ada", color: "#e6194b", connections: 1 };
  /** Straight to Redis, to look at the layout under the store. */
  async function redis(...args: string[]) {
    const connection = await RedisConnection.open(TEST_REDIS_URL);
    try {
      const [reply] = await connection.send([args.map((arg) => Buffer.from(arg))]);
      return Buffer.isBuffer(reply) ? reply.toString() : reply;
    } finally {
      connection.close();
    }
  }

  test("one HTTP round trip per publish and per clear", async () => {
    const store = new RedisPresenceStore({ url: bridge.url, token: bridge.token, prefix });
    const before = bridge.requests();
    await store.publish("round-trips", [user], 10);
    expect(bridge.requests() - before).toBe(1);
    await store.clear("round-trips");
    expect(bridge.requests() - before).toBe(2);
  });

  test("layout: the users' key carries the TTL; the index scores the expiry", async () => {
    const store = new RedisPresenceStore({ url: bridge.url, token: bridge.token, prefix });
    const before = Date.now();
    await store.publish("layout", [user], 10);
    expect(JSON.parse(String(await redis("GET", `${prefix}doc:layout`)))).toEqual([user]);
    const pttl = Number(await redis("PTTL", `${prefix}doc:layout`));
    expect(pttl).toBeGreaterThan(9_000);
    expect(pttl).toBeLessThanOrEqual(10_000);
    const score = Number(await redis("ZSCORE", `${prefix}active`, "layout"));
    expect(score).toBeGreaterThanOrEqual(before + 10_000);
    expect(score).toBeLessThanOrEqual(Date.now() + 10_000);
  });

  test("the index is cleaned lazily: an expired document's member goes at the next publish", async () => {
    const store = new RedisPresenceStore({ url: bridge.url, token: bridge.token, prefix: `${prefix}lazy:`, indexGraceMs: 0 });
    await store.publish("gone", [user], 0.2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await redis("ZSCORE", `${prefix}lazy:active`, "gone")).not.toBeNull();
    await store.publish("other", [user], 10);
    expect(await redis("ZSCORE", `${prefix}lazy:active`, "gone")).toBeNull();
    expect([...(await store.active()).keys()]).toEqual(["other"]);
  });

  test("a value that is not a users list counts as nobody", async () => {
    const store = new RedisPresenceStore({ url: bridge.url, token: bridge.token, prefix });
    await redis("SET", `${prefix}doc:garbage`, '{"not":"users"}', "EX", "10");
    await redis("ZADD", `${prefix}active`, String(Date.now() + 10_000), "garbage");
    expect(await store.users("garbage")).toEqual([]);
    expect((await store.active()).has("garbage")).toBe(false);
  });

  test("a wrong token or an unreachable bridge is PresenceUnavailableError", async () => {
    const wrongToken = new RedisPresenceStore({ url: bridge.url, token: "wrong", prefix });
    await expect(wrongToken.users("x")).rejects.toThrow(PresenceUnavailableError);
    const nowhere = new RedisPresenceStore({ url: "http://127.0.0.1:1", token: "t", prefix, retries: 0 });
    await expect(nowhere.publish("x", [user], 10)).rejects.toThrow(PresenceUnavailableError);
  });
});
