import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../tools/stack/servers.ts";
import { renderChart } from "./chart.ts";
import { FULL_PLAN, QUICK_PLAN, runPlan, type Plan } from "./plan.ts";
import { Progress } from "./progress.ts";
import { randomSeed } from "../tools/random.ts";
import { attacksTable, comparisonTable, errorsText, targetsTable } from "./report.ts";
import { describeMachine, toJson, type BenchRun } from "./results.ts";
import { SERVER_NAMES, startServer, type ServerName } from "./servers.ts";
import { checkTargets } from "./targets.ts";

/**
 * `npm run bench`: our room server and the reference servers, one after another, each in its own process,
 * through the same scenarios; then the comparison table, the targets, a JSON file and a chart in results/.
 *
 *   npm run bench                     # everything (about 20 minutes on 2 cores)
 *   npm run bench -- --quick          # a few seconds per server
 *   npm run bench -- --servers collab,y-websocket-server --seed 42
 */
const USAGE = `usage: npm run bench -- [--quick] [--servers ${SERVER_NAMES.join(",")}] [--seed N] [--out DIR]
       [--only load,replay,cold,scale,attacks] [--party-var K=V ...]   (room variables for collab, for experiments)`;
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    servers: { type: "string", default: SERVER_NAMES.join(",") },
    seed: { type: "string" },
    out: { type: "string", default: join(ROOT, "results") },
    only: { type: "string" },
    "party-var": { type: "string", multiple: true, default: [] },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const servers = values.servers!.split(",").map((s) => s.trim()) as ServerName[];
for (const name of servers) {
  if (!SERVER_NAMES.includes(name)) {
    console.error(`unknown server "${name}"; ${USAGE}`);
    process.exit(2);
  }
}
const seed = values.seed === undefined ? randomSeed() : Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error(`--seed must be an integer, got "${values.seed}"`);
  process.exit(2);
}

const partyVars = Object.fromEntries(
  values["party-var"]!.map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0) {
      console.error(`--party-var takes K=V, got "${pair}"`);
      process.exit(2);
    }
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const only = values.only?.split(",").map((s) => s.trim());
const basePlan = values.quick ? QUICK_PLAN : FULL_PLAN;
const plan: Plan = only
  ? {
      loads: only.includes("load") ? basePlan.loads : [],
      replays: only.includes("replay") ? basePlan.replays : [],
      coldLoad: only.includes("cold") && basePlan.coldLoad,
      ...(only.includes("scale") && basePlan.scale ? { scale: basePlan.scale } : {}),
      ...(only.includes("attacks") && basePlan.attacks ? { attacks: basePlan.attacks } : {}),
    }
  : basePlan;

const progress = new Progress();
const runId = Date.now().toString(36);
const run: BenchRun = { startedAt: new Date().toISOString(), seed, quick: values.quick!, machine: describeMachine(), servers: [] };
console.error(`bench: seed ${seed} (--seed ${seed} repeats the schedule), servers ${servers.join(", ")}, ${values.quick ? "quick" : "full"} plan`);

// A client library may emit an error nobody can listen for (Hocuspocus's provider closes a socket that is
// still connecting during its retries). One simulated user's socket must not end a 20-minute run: it is
// logged and counted; lost deliveries still show in the scenario's figures.
let strayErrors = 0;
process.on("uncaughtException", (error) => {
  strayErrors++;
  if (strayErrors <= 5) progress.note(`client error (run continues): ${error.message}`);
});

// Ctrl-C stops the server under test too: it runs in its own process group and would outlive us.
let current: { stop(): Promise<void> } | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the server under test`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

for (const name of servers) {
  progress.section(`${name}: starting`);
  let server;
  try {
    server = await startServer(name, { partyVars });
  } catch (error) {
    progress.note(`could not start ${name}: ${error instanceof Error ? error.message.split("\n")[0] : error}`);
    run.servers.push({ server: name, storage: "memory", durable: false, load: {}, replay: {}, scale: {}, errors: { start: String(error) } });
    continue;
  }
  current = server;
  try {
    run.servers.push(await runPlan(server, plan, { seed, runId, progress }));
    // Written after every server, so a run cut short still leaves what it measured.
    mkdirSync(values.out!, { recursive: true });
    writeFileSync(join(values.out!, "partial.json"), toJson(run));
  } finally {
    current = undefined;
    await server.stop();
  }
}

const checks = checkTargets(run);
const attacks = attacksTable(run);
const tables = `## Comparison\n\n${comparisonTable(run)}\n\n## Targets\n\n${targetsTable(checks)}\n${attacks ? `\n## Attacks on our room\n\n${attacks}\n` : ""}`;
const errors = errorsText(run);
console.log(`\n${tables}${errors ? `\n## Errors\n\n${errors}\n` : ""}`);

mkdirSync(values.out!, { recursive: true });
const stamp = run.startedAt.replace(/[:.]/g, "-");
writeFileSync(join(values.out!, `bench-${stamp}.json`), toJson({ ...run, targets: checks } as BenchRun));
writeFileSync(join(values.out!, `bench-${stamp}.svg`), renderChart(run));
writeFileSync(join(values.out!, `bench-${stamp}.md`), tables);
console.log(`results: ${join(values.out!, `bench-${stamp}`)}.{json,svg,md}  (seed ${seed})`);

// Deliveries lost or a room diverged anywhere: that is a failure of the run, whatever the speed.
const broken = run.servers.some((s) => Object.values(s.load).some((r) => !r.ok) || Object.values(s.replay).some((r) => !r.exact));
process.exit(broken ? 1 : 0);
