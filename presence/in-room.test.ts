import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startUpstashBridge, type UpstashBridge } from "../tools/upstash-bridge/bridge.ts";
import { TEST_REDIS_URL, deleteKeys, redisAvailable, uniquePrefix } from "../tools/upstash-bridge/testing.ts";
import { startProbeParty, type ProbeParty } from "./testing/probe-party.ts";

// Both stores from inside a PartyKit room (workerd under `partykit dev`), where the rooms will use them:
// @upstash/redis's Workers build through the bridge, and the lobby through the room's own party handle.
const redisUp = await redisAvailable();

describe("presence from inside a room", () => {
  let bridge: UpstashBridge | undefined;
  let party: ProbeParty;
  const prefix = uniquePrefix("in-room");
  const run = randomBytes(4).toString("hex");

  beforeAll(async () => {
    if (redisUp) bridge = await startUpstashBridge({ redisUrl: TEST_REDIS_URL });
    party = await startProbeParty({ secret: randomBytes(32).toString("base64url"), upstash: bridge });
  });
  afterAll(async () => {
    await party?.stop();
    await bridge?.stop();
    if (redisUp) await deleteKeys(prefix);
  });

  test.runIf(redisUp)("Redis: @upstash/redis/cloudflare publishes and reads through the bridge", async () => {
    const answer = await party.probe(`redis-${run}`, { backend: "redis", publishes: 3, ttlSeconds: 10, prefix });
    const user = { id: "probe", name: "Probe ✓", color: "#911eb4", connections: 3 };
    expect(answer.users).toEqual([user]);
    expect(answer.active).toEqual([[`redis-${run}`, [user]]]);
  });

  test("lobby: the room reaches the lobby party through room.context.parties", async () => {
    const answer = await party.probe(`lobby-${run}`, { backend: "lobby", publishes: 3, ttlSeconds: 10 });
    const user = { id: "probe", name: "Probe ✓", color: "#911eb4", connections: 3 };
    expect(answer.users).toEqual([user]);
    expect(answer.active).toEqual([[`lobby-${run}`, [user]]]);
  });
});
