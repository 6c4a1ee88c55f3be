import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startUpstashBridge, type UpstashBridge } from "./bridge.ts";
import { RedisConnection } from "./resp.ts";
import { TEST_REDIS_URL, deleteKeys, redisAvailable, uniquePrefix } from "./testing.ts";

// Driven with the real @upstash/redis client (the build the rooms and the worker import), against the
// real Redis. Keys live under a prefix of this run, deleted afterwards: the Redis is shared.
const redisUp = await redisAvailable();

describe.runIf(redisUp)("the Upstash bridge", () => {
  let bridge: UpstashBridge;
  let redis: Redis;
  /** The client as presence uses it: values back exactly as stored, no JSON guessing. */
  let raw: Redis;
  const prefix = uniquePrefix("bridge");
  const key = (name: string) => prefix + name;

  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: TEST_REDIS_URL });
    const options = { url: bridge.url, token: bridge.token, enableTelemetry: false, retry: false } as const;
    redis = new Redis(options);
    raw = new Redis({ ...options, automaticDeserialization: false });
  });
  afterAll(async () => {
    await bridge?.stop();
    await deleteKeys(prefix);
  });

  /** A request as curl would send it, for what the client hides (status codes, the raw encoding). */
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(bridge.url + path, { method: "POST", body, headers: { authorization: `Bearer ${bridge.token}`, ...headers } });

  describe("strings", () => {
    test.each([
      ["ascii", "hello"],
      ["unicode", "héllo wörld ✓ 日本語 🎉 𝔘"],
      ["control characters", "\u0000\u0001\u001f\r\n\t\u007f\u00ff"],
      ["status-looking values", "OK"],
      ["base64-looking values", "PONG"],
      ["JSON text", '{"a":[1,2,"x"]}'],
      ["digits", "007"],
      ["empty", ""],
      ["1 MB", "x".repeat(1024 * 1024)],
    ])("%s round-trip byte for byte", async (name, value) => {
      expect(await raw.set(key(`s:${name}`), value)).toBe("OK");
      expect(await raw.get(key(`s:${name}`))).toBe(value);
    });

    test("a missing key is null; MGET mixes values and nulls", async () => {
      await raw.set(key("m1"), "one");
      expect(await raw.get(key("nothing"))).toBeNull();
      expect(await raw.mget(key("m1"), key("nothing"))).toEqual(["one", null]);
    });

    test("with automatic deserialization (the client's default), objects and numbers come back typed", async () => {
      await redis.set(key("json"), { name: "Ada", tags: ["x"], n: 1 });
      expect(await redis.get(key("json"))).toEqual({ name: "Ada", tags: ["x"], n: 1 });
      await redis.set(key("num"), 42);
      expect(await redis.get(key("num"))).toBe(42);
    });

    test("status replies other than OK survive the base64 encoding (PING, TYPE)", async () => {
      expect(await redis.ping()).toBe("PONG");
      await raw.set(key("typed"), "v");
      expect(await redis.type(key("typed"))).toBe("string");
      expect(await redis.echo("OK")).toBe("OK");
    });

    test("bulk strings are base64 of their bytes, even a partial UTF-8 sequence; OK stays plain", async () => {
      const set = await post("/", JSON.stringify(["SET", key("bytes"), "é"]), { "upstash-encoding": "base64" });
      expect(await set.json()).toEqual({ result: "OK" });
      const partial = await post("/", JSON.stringify(["GETRANGE", key("bytes"), 0, 0]), { "upstash-encoding": "base64" });
      expect(await partial.json()).toEqual({ result: Buffer.from([0xc3]).toString("base64") });
      const ping = await post("/", JSON.stringify(["PING"]), { "upstash-encoding": "base64" });
      expect(await ping.json()).toEqual({ result: Buffer.from("PONG").toString("base64") });
    });

    test("without the encoding header, strings are plain text", async () => {
      await raw.set(key("plain"), "héllo");
      const response = await post("/", JSON.stringify(["GET", key("plain")]));
      expect(await response.json()).toEqual({ result: "héllo" });
    });
  });

  test("numbers: counters, floats, integers as JSON numbers", async () => {
    expect(await redis.incr(key("n"))).toBe(1);
    expect(await redis.incrby(key("n"), 41)).toBe(42);
    expect(await redis.decrby(key("n"), 50)).toBe(-8);
    expect(await redis.incrbyfloat(key("f"), 1.5)).toBe(1.5);
    const response = await post("/", JSON.stringify(["INCRBY", key("n"), 8]));
    expect(await response.json()).toEqual({ result: 0 });
  });

  test("hashes", async () => {
    expect(await raw.hset(key("h"), { name: "Ada", lang: "日本語", count: 1 })).toBe(3);
    expect(await raw.hget(key("h"), "lang")).toBe("日本語");
    expect(await raw.hincrby(key("h"), "count", 2)).toBe(3);
    expect(await redis.hgetall(key("h"))).toEqual({ name: "Ada", lang: "日本語", count: 3 });
    expect(await raw.hgetall(key("h"))).toEqual(["name", "Ada", "lang", "日本語", "count", "3"]);
    expect(await raw.hdel(key("h"), "name")).toBe(1);
    expect(await raw.hkeys(key("h"))).toEqual(["lang", "count"]);
  });

  test("sorted sets", async () => {
    expect(await raw.zadd(key("z"), { score: 3, member: "c" }, { score: 1, member: "a" }, { score: 2, member: "b" })).toBe(3);
    expect(await raw.zrange(key("z"), 0, -1)).toEqual(["a", "b", "c"]);
    expect(await raw.zrange(key("z"), 0, -1, { withScores: true })).toEqual(["a", "1", "b", "2", "c", "3"]);
    expect(await raw.zrange(key("z"), 2, "+inf", { byScore: true })).toEqual(["b", "c"]);
    expect(await redis.zscore(key("z"), "b")).toBe(2);
    expect(await raw.zremrangebyscore(key("z"), "-inf", 1)).toBe(1);
    expect(await raw.zcard(key("z"))).toBe(2);
  });

  test("a pipeline answers each command in order, an error only for the command that failed", async () => {
    await raw.set(key("p:str"), "text");
    const results = await raw
      .pipeline()
      .set(key("p:a"), "1")
      .incr(key("p:a"))
      .get(key("p:a"))
      .incr(key("p:str")) // WRONGTYPE-like: not an integer
      .get(key("p:missing"))
      .exec({ keepErrors: true });
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined, "ERR value is not an integer or out of range", undefined]);
    expect(results.map((r) => r.result)).toEqual(["OK", 2, "2", undefined, null]);
    await expect(raw.pipeline().incr(key("p:str")).exec()).rejects.toThrow(/Command 1 \[ incr \] failed: ERR value is not an integer/);
  });

  test("multi-exec runs atomically and reports per-command errors", async () => {
    await raw.set(key("t:str"), "text");
    const results = await raw.multi().set(key("t:a"), "x").append(key("t:a"), "y").lpush(key("t:str"), "no").get(key("t:a")).exec({ keepErrors: true });
    expect(results.map((r) => r.result ?? r.error)).toEqual(["OK", 2, expect.stringMatching(/^WRONGTYPE/), "xy"]);
  });

  test("a command Redis refuses to queue aborts the whole transaction with 400", async () => {
    const response = await post("/multi-exec", JSON.stringify([["SET", key("t:never"), "1"], ["NOSUCHCOMMAND"]]));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(/unknown command/);
    expect(await raw.get(key("t:never"))).toBeNull();
  });

  test("concurrent transactions never interleave on the shared connection", async () => {
    const pairs = await Promise.all(Array.from({ length: 50 }, () => raw.multi().incr(key("t:c")).incr(key("t:c")).exec()));
    for (const [first, second] of pairs) expect(second).toBe(first + 1);
    expect(pairs.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  test("expiry: EX, PX, TTL, and the key is gone afterwards", async () => {
    await raw.set(key("e"), "v", { px: 300 });
    await raw.set(key("e2"), "v", { ex: 10 });
    expect(await raw.ttl(key("e2"))).toBeGreaterThan(8);
    expect(await raw.pttl(key("e"))).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await raw.get(key("e"))).toBeNull();
    expect(await raw.exists(key("e"), key("e2"))).toBe(1);
  });

  describe("authentication", () => {
    test.each([
      ["no header", (): Record<string, string> => ({})],
      ["a wrong token", () => ({ authorization: "Bearer wrong" })],
      ["the token without Bearer", () => ({ authorization: bridge.token })],
    ])("%s: 401", async (_name, headers) => {
      const response = await fetch(bridge.url, { method: "POST", body: '["PING"]', headers: headers() });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: "Unauthorized" });
    });

    test("the client with a wrong token fails and writes nothing", async () => {
      const intruder = new Redis({ url: bridge.url, token: "wrong", enableTelemetry: false, retry: false });
      await expect(intruder.set(key("intruder"), "x")).rejects.toThrow(/Unauthorized/);
      expect(await raw.get(key("intruder"))).toBeNull();
    });
  });

  describe("malformed requests", () => {
    test.each([
      ["/", "not json", 400, /not valid JSON/],
      ["/", "{}", 400, /non-empty JSON array/],
      ["/", "[]", 400, /non-empty JSON array/],
      ["/", '["SET", "k", {"nested": 1}]', 400, /strings or numbers/],
      ["/", '["SET", "k", true]', 400, /strings or numbers/],
      ["/", '["NOSUCHCOMMAND"]', 400, /unknown command/],
      ["/", '["GET"]', 400, /wrong number of arguments/],
      ["/", '["SUBSCRIBE", "channel"]', 400, /not supported/],
      ["/", '["blpop", "list", 0]', 400, /not supported/],
      ["/", '["XREAD", "BLOCK", 0, "STREAMS", "s", "$"]', 400, /not supported/],
      ["/pipeline", '["GET", "k"]', 400, /non-empty JSON array/],
      ["/pipeline", "[]", 400, /non-empty array/],
      ["/multi-exec", '[["MULTI"]]', 400, /not supported/],
      ["/set/foo/bar", "", 404, /unknown endpoint/],
    ])("POST %s %s: %i", async (path, body, status, message) => {
      const response = await post(path, body);
      expect(response.status).toBe(status);
      expect((await response.json()).error).toMatch(message);
    });

    test("GET is 405", async () => {
      const response = await fetch(bridge.url, { headers: { authorization: `Bearer ${bridge.token}` } });
      expect(response.status).toBe(405);
    });

    test("the bridge keeps serving after bad requests", async () => {
      expect(await redis.ping()).toBe("PONG");
    });
  });

  test("reconnects after its Redis connection was killed", async () => {
    const admin = await RedisConnection.open(TEST_REDIS_URL);
    try {
      const [list] = await admin.send([["CLIENT", "LIST"].map((arg) => Buffer.from(arg))]);
      const line = String(list).split("\n").find((entry) => entry.includes(`name=upstash-bridge-${bridge.port} `));
      const id = /\bid=(\d+)/.exec(line ?? "")?.[1];
      expect(id).toBeDefined();
      await admin.send([["CLIENT", "KILL", "ID", id!].map((arg) => Buffer.from(arg))]);
    } finally {
      admin.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Concurrent requests share one reconnection: all succeed, and one connection is left, not twenty.
    const counts = await Promise.all(Array.from({ length: 20 }, () => raw.incr(key("after-kill"))));
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const check = await RedisConnection.open(TEST_REDIS_URL);
    try {
      const [list] = await check.send([["CLIENT", "LIST"].map((arg) => Buffer.from(arg))]);
      expect(String(list).split("\n").filter((entry) => entry.includes(`name=upstash-bridge-${bridge.port} `))).toHaveLength(1);
    } finally {
      check.close();
    }
  });

  test("a Redis that cannot be reached fails the start with the address", async () => {
    await expect(startUpstashBridge({ redisUrl: "redis://127.0.0.1:1" })).rejects.toThrow(/cannot reach Redis at 127.0.0.1:1/);
  });
});
