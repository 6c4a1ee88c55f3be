import { parseArgs } from "node:util";
import { loadTrace, traceAvailable } from "../tools/traces.ts";
import { clientFactory, type Target, type WireProtocol } from "./clients.ts";
import { Progress } from "./progress.ts";
import { randomSeed } from "../tools/random.ts";
import { runLoad } from "./scenarios/load.ts";
import { runReplay } from "./scenarios/replay.ts";
import { apiTokens, signingTokens, type ApiTokens } from "./tokens.ts";

/**
 * `npm run loadtest -- --url URL`: load any running deployment (local or deployed) and report latency,
 * throughput, drops and convergence. Exits 1 when a delivery was lost or a room diverged.
 *
 *   npm run loadtest -- --url http://127.0.0.1:1999 --rooms 5 --clients 20 --rate 2 --duration 30
 *   npm run loadtest -- --url https://collab-editor.example.partykit.dev --replay sveltecomponent
 *
 * There is no CPU figure for a remote server; the generator's own CPU is still reported, so a saturated
 * generator is not mistaken for a slow server.
 */
const USAGE = `usage: npm run loadtest -- --url URL [--rooms 1] [--clients 10] [--rate 2] [--duration 20] [--warmup 3]
       [--protocol y-websocket|hocuspocus] [--party main] [--replay sveltecomponent|automerge-paper] [--batch 1]
       [--seed N] [--json]
       room tokens: [--api WORKER_URL [--session BEARER]]   a real account through the REST API (deployments)
                    [--secret ROOM_TOKEN_SECRET]            sign tokens locally (your own stack)`;
const { values } = parseArgs({
  options: {
    url: { type: "string" },
    rooms: { type: "string", default: "1" },
    clients: { type: "string", default: "10" },
    rate: { type: "string", default: "2" },
    duration: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    protocol: { type: "string", default: "y-websocket" },
    party: { type: "string", default: "main" },
    replay: { type: "string" },
    batch: { type: "string", default: "1" },
    seed: { type: "string" },
    api: { type: "string" },
    session: { type: "string" },
    secret: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
const fail = (message: string): never => {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
};
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.url || !/^(https?|wss?):\/\//.test(values.url)) fail("--url must be an http(s):// or ws(s):// URL");
const number = (name: keyof typeof values, min: number): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min) fail(`--${name} must be a number >= ${min}, got "${values[name]}"`);
  return value;
};
const protocol = values.protocol as WireProtocol;
if (protocol !== "y-websocket" && protocol !== "hocuspocus") fail(`--protocol must be y-websocket or hocuspocus`);
const seed = values.seed === undefined ? randomSeed() : number("seed", 0);

// Rooms that check tokens: through the REST API (a real account; rooms are documents it creates), or signed
// here with the stack's secret. Servers without tokens (the references) need neither.
if (values.api && values.secret) fail("--api and --secret are alternatives");
let api: ApiTokens | undefined;
if (values.api) api = await apiTokens(values.api, values.session);
const params = api?.params ?? (values.secret ? signingTokens(values.secret) : undefined);
const target: Target = { name: new URL(values.url!).host, url: values.url!, protocol, party: values.party!, ...(params ? { params } : {}) };
const roomsWanted = values.replay ? 1 : number("rooms", 1);
const docIds = api ? await Promise.all(Array.from({ length: roomsWanted }, () => api!.createDocument())) : undefined;
const factory = clientFactory(target);
const progress = new Progress();
const runId = Date.now().toString(36);
console.error(`loadtest ${target.url}: seed ${seed}`);

if (values.replay) {
  const name = values.replay as "sveltecomponent" | "automerge-paper";
  if (!traceAvailable(name)) fail(`trace "${name}" not found in data/editing-traces`);
  progress.section(`replay ${name}`);
  const result = await runReplay(factory, {
    traceName: name,
    trace: loadTrace(name),
    docId: docIds?.[0] ?? `loadtest-${runId}-replay`,
    batch: number("batch", 1),
    onProgress: (line) => progress.update(line),
  });
  progress.done();
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`replay ${name} x${result.batch}: ${result.updates} updates in ${result.seconds.toFixed(2)} s = ${result.updatesPerSecond.toFixed(0)} updates/s end to end`);
    console.log(`reader exact: ${result.exact}; complete: ${result.complete}; generator CPU ${result.cpu.generatorCores.toFixed(2)} cores`);
  }
  process.exit(result.exact ? 0 : 1);
}

progress.section(`load ${values.rooms} rooms x ${values.clients} clients x ${values.rate} edits/s`);
const result = await runLoad(factory, {
  rooms: number("rooms", 1),
  clientsPerRoom: number("clients", 2),
  editsPerSecond: number("rate", 0.01),
  warmupSeconds: number("warmup", 0),
  durationSeconds: number("duration", 1),
  seed,
  roomPrefix: `loadtest-${runId}`,
  docIds,
  onProgress: (line) => progress.update(line),
});
progress.done();
const { samples: _samples, ...summary } = result;
if (values.json) console.log(JSON.stringify(summary, null, 2));
else {
  const l = result.latency;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`
  latency (send -> observe)  p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}  (${l.count} deliveries)
  deliveries                 ${result.deliveries.received} / ${result.deliveries.expected} received, ${result.deliveries.lost} lost
  throughput                 ${result.deliveredPerSecond.toFixed(0)} delivered updates/s (${result.sentEdits} edits sent)
  connect + initial sync     p50 ${ms(result.connect.p50)}  p99 ${ms(result.connect.p99)}  failures ${result.connect.failures}
  connection drops           ${result.drops}
  convergence                ${result.convergence.converged ? `all ${result.convergence.rooms} rooms identical` : `DIVERGED: ${JSON.stringify(result.convergence.divergent)}`}
  generator CPU              ${result.cpu.generatorCores.toFixed(2)} cores, event-loop delay p99 ${ms(result.generatorLoopDelayP99Ms)}${result.cpu.bottleneck === "load generator" ? "  <- the generator was the bottleneck: figures are upper bounds" : ""}
  seed                       ${seed}
`);
}
process.exit(result.ok ? 0 : 1);
