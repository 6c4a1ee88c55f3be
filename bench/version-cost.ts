import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { loadTrace, type SequentialTrace } from "../tools/traces.ts";
import { clientFactory } from "./clients.ts";
import { runReplay } from "./scenarios/replay.ts";
import { startServer, type RunningServer } from "./servers.ts";

/**
 * What automatic versions cost the typing path (issue 11: "under 5%"). Three rooms run side by side, one
 * per schedule below, and the durable keystroke replays (one update per keystroke, as `npm run bench`'s
 * replay scenario) go to each in turn, round after round, the order rotated every round. Runs seconds
 * apart share the machine's noise (it is shared with other work), and the median of the rounds is kept.
 *
 * Two figures per replay: updates/s end to end (what a typist sees; bound by whichever process is slowest),
 * and the room's CPU per update (the partykit/workerd process group's CPU time / updates: what versions
 * add to the room's thread, less sensitive to other load). "versions" is how many Postgres held when the
 * reader caught up, before anyone left: proof that the aggressive schedule took versions during the replay.
 *
 *   npx tsx bench/version-cost.ts --rounds 5 --seconds 20
 */
const SCHEDULES: { name: string; vars: Record<string, string> }[] = [
  { name: "off (AUTO_VERSIONS=off)", vars: { AUTO_VERSIONS: "off" } },
  { name: "on, defaults (settle 30 s, max wait 5 min)", vars: {} },
  { name: "on, aggressive (settle 1 s, max wait 1 s)", vars: { VERSION_SETTLE_MS: "1000", VERSION_MAX_WAIT_MS: "1000" } },
];
const TRACES = ["sveltecomponent", "automerge-paper"] as const;

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "20" } } });
const rounds = Number(values.rounds);
const timeLimitMs = Number(values.seconds) * 1000;

interface Sample {
  updatesPerSecond: number;
  roomMicrosPerUpdate: number;
  versions: number | undefined;
  otherCores: number | undefined;
  load: number;
}
const samples = new Map<string, Sample[]>();
const traces = new Map<string, SequentialTrace>(TRACES.map((name) => [name, loadTrace(name)]));

const servers: RunningServer[] = [];
try {
  for (const schedule of SCHEDULES) servers.push(await startServer("collab", { partyVars: schedule.vars }));
  const runId = Date.now().toString(36);
  for (let round = 0; round < rounds; round++) {
    for (const traceName of TRACES) {
      for (let k = 0; k < SCHEDULES.length; k++) {
        const index = (k + round) % SCHEDULES.length;
        const server = servers[index]!;
        const docId = `cost-${runId}-${round}-${traceName}`;
        await server.target.prepare!([docId]);
        const load = loadavg()[0]!;
        const result = await runReplay(clientFactory(server.target), {
          traceName,
          trace: traces.get(traceName)!,
          docId,
          batch: 1,
          timeLimitMs,
          serverPgid: () => server.pgid(),
          versionCount: () => server.versionCount!(docId),
        });
        if (!result.exact) throw new Error(`${traceName} on ${SCHEDULES[index]!.name}: the reader did not end with the writer's text`);
        const roomSeconds = (result.cpu.serverCores ?? NaN) * result.cpu.seconds;
        const sample = { updatesPerSecond: result.updatesPerSecond, roomMicrosPerUpdate: (roomSeconds / result.updates) * 1e6, versions: result.versions, otherCores: result.cpu.otherCores, load };
        const key = `${traceName} x1\t${SCHEDULES[index]!.name}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        console.error(
          `round ${round + 1}/${rounds} ${traceName} ${SCHEDULES[index]!.name}: ${sample.updatesPerSecond.toFixed(0)} updates/s, ${sample.roomMicrosPerUpdate.toFixed(1)} µs room CPU/update, ${sample.versions} versions, other ${sample.otherCores?.toFixed(2)} cores, load average ${load.toFixed(1)}`,
        );
      }
    }
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const all = (xs: number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(", ");
console.log(`\n${rounds} rounds, replays cut at ${timeLimitMs / 1000} s; medians (every round in brackets)\n`);
// Against "off" of the same round (seconds apart, the same noise): the median of the per-round ratios.
console.log("| replay | automatic versions | updates/s | room CPU µs/update | ÷ off, same round: updates/s, room CPU | versions stored during the replay | load average |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
for (const [key, list] of samples) {
  const [label, schedule] = key.split("\t");
  const off = samples.get(`${label}\t${SCHEDULES[0]!.name}`)!;
  const ups = list.map((s) => s.updatesPerSecond);
  const cpu = list.map((s) => s.roomMicrosPerUpdate);
  const ratios = schedule === SCHEDULES[0]!.name ? "" : `${median(list.map((s, i) => s.updatesPerSecond / off[i]!.updatesPerSecond)).toFixed(2)}, ${median(list.map((s, i) => s.roomMicrosPerUpdate / off[i]!.roomMicrosPerUpdate)).toFixed(2)}`;
  console.log(`| ${label} | ${schedule} | ${median(ups).toFixed(0)} (${all(ups, 0)}) | ${median(cpu).toFixed(1)} (${all(cpu, 1)}) | ${ratios} | ${list.map((s) => s.versions ?? "–").join(", ")} | ${all(list.map((s) => s.load), 1)} |`);
}
