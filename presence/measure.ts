import { randomBytes } from "node:crypto";
import { startUpstashBridge } from "../tools/upstash-bridge/bridge.ts";
import { TEST_REDIS_URL, deleteKeys, redisAvailable, uniquePrefix } from "../tools/upstash-bridge/testing.ts";
import { LobbyPresenceStore } from "./lobby-store.ts";
import { RedisPresenceStore } from "./redis-store.ts";
import type { PresenceStore } from "./store.ts";
import { startProbeParty } from "./testing/probe-party.ts";

/**
 * Publish round trips, 200 each, for both backends, from Node (as the worker's runtime would call them,
 * over HTTP) and from inside a room (workerd under `partykit dev`, as the rooms will). Figures, not
 * assertions. Run: npx tsx presence/measure.ts   (Redis: REDIS_URL, else 127.0.0.1:6379)
 */
const PUBLISHES = 200;
const user = { id: "u1", name: "Ada", color: "#e6194b", connections: 1 };

function report(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!.toFixed(2);
  const mean = (sorted.reduce((a, b) => a + b, 0) / sorted.length).toFixed(2);
  console.log(`${label.padEnd(44)} n=${sorted.length}  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  mean ${mean}  max ${at(1)}`);
}

async function fromNode(store: PresenceStore): Promise<number[]> {
  const samples: number[] = [];
  await store.publish("warm-up", [user], 10);
  for (let i = 0; i < PUBLISHES; i++) {
    const started = performance.now();
    await store.publish(`measure-${i % 20}`, [{ ...user, connections: 1 + (i % 3) }], 10);
    samples.push(performance.now() - started);
  }
  return samples;
}

const secret = randomBytes(32).toString("base64url");
const prefix = uniquePrefix("measure");
const redisUp = await redisAvailable();
const bridge = redisUp ? await startUpstashBridge({ redisUrl: TEST_REDIS_URL }) : undefined;
const party = await startProbeParty({ secret, upstash: bridge });
try {
  if (bridge) report("Node -> bridge -> Redis (MULTI/EXEC)", await fromNode(new RedisPresenceStore({ url: bridge.url, token: bridge.token, prefix })));
  report("Node -> lobby party (HTTP)", await fromNode(new LobbyPresenceStore({ baseUrl: party.url, secret })));
  const room = `measure-${randomBytes(4).toString("hex")}`;
  if (bridge) {
    await party.probe(`${room}-warm`, { backend: "redis", publishes: 1, ttlSeconds: 10, prefix });
    report("room (workerd) -> bridge -> Redis", (await party.probe(room, { backend: "redis", publishes: PUBLISHES, ttlSeconds: 10, prefix })).timings);
  }
  await party.probe(`${room}-warm`, { backend: "lobby", publishes: 1, ttlSeconds: 10 });
  report("room (workerd) -> lobby (parties stub)", (await party.probe(room, { backend: "lobby", publishes: PUBLISHES, ttlSeconds: 10 })).timings);
  console.log("(inside workerd, Date.now() has 1 ms resolution and only advances across I/O)");
} finally {
  await party.stop();
  await bridge?.stop();
  if (redisUp) await deleteKeys(prefix);
}
