import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { loadTrace } from "../tools/traces.ts";
import { clientFactory } from "./clients.ts";
import { runReplay } from "./scenarios/replay.ts";
import { startServer } from "./servers.ts";

/**
 * A CPU profile of our room while it serves a keystroke replay: `npx tsx bench/profile.ts [trace]`.
 * partykit dev exposes workerd's V8 inspector on 127.0.0.1:9229; this attaches the Profiler there, replays
 * the trace through the same clients the bench uses, and prints where the room's time went (self time by
 * function), writing the .cpuprofile to results/ for DevTools. Nothing else may hold port 9229.
 */
const traceName = (process.argv[2] ?? "sveltecomponent") as "sveltecomponent" | "automerge-paper";
const server = await startServer("collab");
const inspector = new WebSocket("ws://127.0.0.1:9229/ws");
await new Promise((resolve, reject) => inspector.once("open", resolve).once("error", reject));
let nextId = 1;
const pending = new Map<number, (result: unknown) => void>();
inspector.on("message", (data) => {
  const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
  if (message.id) pending.get(message.id)?.(message.result);
});
const send = (method: string, params: Record<string, unknown> = {}) =>
  new Promise<unknown>((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    inspector.send(JSON.stringify({ id, method, params }));
  });

try {
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  const trace = loadTrace(traceName);
  const docId = `profile-${Date.now().toString(36)}`;
  await server.target.prepare?.([docId]);
  const result = await runReplay(clientFactory(server.target), { traceName, trace, docId, batch: 1, timeLimitMs: 60_000 });
  const { profile } = (await send("Profiler.stop")) as { profile: Profile };
  console.log(`replayed ${traceName}: ${Math.round(result.updatesPerSecond)} updates/s, exact: ${result.exact}`);
  mkdirSync("results", { recursive: true });
  const file = join("results", `room-${traceName}-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  printSelfTime(profile);
  console.log(`profile: ${file} (open in Chrome DevTools > Performance)`);
} finally {
  inspector.close();
  await server.stop();
}

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  /** The node sampled at each tick (workerd fills these rather than `hitCount`). */
  samples: number[];
  startTime: number;
  endTime: number;
}

/** Self time per function, largest first, and the share that was idle (waiting for I/O). */
function printSelfTime(profile: Profile): void {
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.split("/").slice(-2).join("/");
    const key = `${functionName || "(anonymous)"}  ${file}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (hits.get(node.id) ?? 0));
  }
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30);
  console.log(`\n${total} samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s; self time:`);
  for (const [name, hits] of rows) console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}
