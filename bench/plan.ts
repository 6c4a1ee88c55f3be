import { applyPatches, loadTrace, traceAvailable, type SequentialTrace } from "../tools/traces.ts";
import { DocRoot } from "@collab/protocol";
import { clientFactory } from "./clients.ts";
import type { Progress } from "./progress.ts";
import { loadLabel, replayLabel, type ServerResults } from "./results.ts";
import { attackLine } from "./report.ts";
import { fullHistoryState, runColdLoad } from "./scenarios/cold-load.ts";
import { runLoad } from "./scenarios/load.ts";
import { runReplay } from "./scenarios/replay.ts";
import { runAttacks } from "./scenarios/attacks.ts";
import { runScale } from "./scenarios/scale.ts";
import type { RunningServer } from "./servers.ts";
import { describeSettled, settle } from "./settle.ts";

type TraceName = "sveltecomponent" | "automerge-paper";

/** What one server is put through. The same plan runs against every server of a run. */
export interface Plan {
  loads: { rooms: number; clients: number; editsPerSecond: number; warmupSeconds: number; durationSeconds: number }[];
  replays: { trace: TraceName; batch: number; timeLimitMs: number }[];
  coldLoad: boolean;
  scale?: { clients: number[]; rooms: number[]; warmupSeconds: number; durationSeconds: number };
  /** Each attack of issue 8 against our room for this long (servers with roles only: collab). */
  attacks?: { seconds: number };
}

export const FULL_PLAN: Plan = {
  loads: [
    { rooms: 1, clients: 50, editsPerSecond: 2, warmupSeconds: 3, durationSeconds: 20 },
    { rooms: 20, clients: 5, editsPerSecond: 2, warmupSeconds: 3, durationSeconds: 20 },
    { rooms: 1, clients: 100, editsPerSecond: 2, warmupSeconds: 3, durationSeconds: 20 },
  ],
  replays: [
    { trace: "sveltecomponent", batch: 1, timeLimitMs: 60_000 },
    { trace: "automerge-paper", batch: 1, timeLimitMs: 60_000 },
    { trace: "automerge-paper", batch: 100, timeLimitMs: 60_000 },
  ],
  coldLoad: true,
  scale: { clients: [50, 100, 150, 200, 300], rooms: [100, 250, 500, 1000], warmupSeconds: 2, durationSeconds: 8 },
  attacks: { seconds: 15 },
};

/** A few seconds per server: for the smoke test and for trying the tool out. */
export const QUICK_PLAN: Plan = {
  loads: [
    { rooms: 1, clients: 5, editsPerSecond: 5, warmupSeconds: 0.5, durationSeconds: 2 },
    { rooms: 3, clients: 3, editsPerSecond: 5, warmupSeconds: 0.5, durationSeconds: 2 },
  ],
  replays: [{ trace: "sveltecomponent", batch: 1, timeLimitMs: 30_000 }],
  coldLoad: false,
  attacks: { seconds: 2 },
};

export interface RunContext {
  seed: number;
  /** Unique per run, so rooms never collide with an earlier run on a persistent server. */
  runId: string;
  progress: Progress;
}

const traces = new Map<TraceName, SequentialTrace>();
let coldState: { state: Uint8Array; text: string } | undefined;

function trace(name: TraceName): SequentialTrace {
  if (!traces.has(name)) traces.set(name, loadTrace(name));
  return traces.get(name)!;
}

/** Runs the plan against one server; a failing scenario is recorded and the next one runs. */
export async function runPlan(server: RunningServer, plan: Plan, context: RunContext): Promise<ServerResults> {
  const { progress, seed, runId } = context;
  const factory = clientFactory(server.target);
  const results: ServerResults = { server: server.name, storage: server.storage, durable: server.durable, load: {}, replay: {}, scale: {}, errors: {} };
  const onProgress = (line: string) => progress.update(line);
  const serverPgid = () => server.pgids?.() ?? server.pgid();
  // Each scenario starts on a quiet server: the first after start-up, the others after what the one
  // before left to do (settle.ts). That aftermath is reported on its own.
  const settled = async () => {
    const pgids = serverPgid();
    return pgids === undefined ? undefined : settle(pgids);
  };
  await settled();
  const attempt = async (label: string, work: () => Promise<void>) => {
    progress.section(`${server.name}: ${label}`);
    try {
      await work();
    } catch (error) {
      results.errors[label] = errorText(error);
      progress.note(`failed: ${results.errors[label]}`);
    }
    const after = await settled();
    if (!after) return;
    (results.aftermath ??= {})[label] = after;
    progress.note(`aftermath: ${describeSettled(after)}`);
  };

  for (const load of plan.loads) {
    const label = loadLabel(load.rooms, load.clients, load.editsPerSecond);
    await attempt(`load ${label}`, async () => {
      const result = await runLoad(factory, {
        rooms: load.rooms,
        clientsPerRoom: load.clients,
        editsPerSecond: load.editsPerSecond,
        warmupSeconds: load.warmupSeconds,
        durationSeconds: load.durationSeconds,
        seed,
        roomPrefix: `bench-${runId}-${label.replace(/[^a-z0-9]/gi, "_")}`,
        serverPgid,
        prepare: server.target.prepare,
        onProgress,
      });
      results.load[label] = result;
      progress.note(`p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, ${result.deliveredPerSecond.toFixed(0)} delivered/s, lost ${result.deliveries.lost}, converged ${result.convergence.converged}, limit: ${result.cpu.bottleneck}`);
    });
  }
  for (const replay of plan.replays) {
    const label = replayLabel(replay.trace, replay.batch);
    if (!traceAvailable(replay.trace)) {
      results.errors[`replay ${label}`] = "trace not found in data/editing-traces";
      continue;
    }
    await attempt(`replay ${label}`, async () => {
      const docId = `bench-${runId}-replay-${replay.trace}-${replay.batch}`;
      await server.target.prepare?.([docId]);
      const result = await runReplay(factory, {
        traceName: replay.trace,
        trace: trace(replay.trace),
        docId,
        batch: replay.batch,
        timeLimitMs: replay.timeLimitMs,
        serverPgid,
        onProgress,
        ...(server.storageStats ? { storageStats: () => server.storageStats!(docId) } : {}),
        ...(server.versionCount ? { versionCount: () => server.versionCount!(docId) } : {}),
      });
      results.replay[label] = result;
      const versions = result.versions === undefined ? "" : `, ${result.versions} versions`;
      progress.note(`${result.updatesPerSecond.toFixed(0)} updates/s, exact ${result.exact}, complete ${result.complete}${versions}, limit: ${result.cpu.bottleneck}`);
    });
  }
  if (plan.coldLoad && traceAvailable("automerge-paper")) {
    await attempt("cold load", async () => {
      coldState ??= buildColdState();
      const docId = `bench-${runId}-cold`;
      await server.target.prepare?.([docId, `${docId}-warmup`]);
      results.coldLoad = await runColdLoad(server, factory, { docId, ...coldState, onProgress });
      const c = results.coldLoad;
      progress.note(`${(c.stateBytes / 1024).toFixed(0)} KiB: memory ${c.memoryMs.toFixed(0)} ms, room storage ${c.roomStorageMs?.toFixed(0) ?? "–"} ms, Postgres ${c.postgresMs?.toFixed(0) ?? "–"} ms`);
    });
  }
  if (plan.scale) {
    for (const axis of ["clients", "rooms"] as const) {
      await attempt(`scale ${axis}`, async () => {
        const scale = plan.scale!;
        results.scale[axis] = await runScale(factory, {
          axis,
          steps: scale[axis],
          editsPerSecond: 1,
          warmupSeconds: scale.warmupSeconds,
          durationSeconds: scale.durationSeconds,
          p99LimitMs: 100,
          seed,
          roomPrefix: `bench-${runId}-scale`,
          serverPgid,
          prepare: server.target.prepare,
          onProgress,
        });
        const r = results.scale[axis]!;
        progress.note(`best ${r.best ?? "none"}: ${r.steps.map((s) => `${s.size}→p99 ${s.p99.toFixed(0)} ms${s.passed ? "" : ` FAIL(${s.bottleneck})`}`).join(", ")}`);
      });
    }
  }
  if (plan.attacks && server.roleTokens) {
    const roleTokens = server.roleTokens;
    await attempt("attacks", async () => {
      results.attacks = await runAttacks({
        factory,
        partyUrl: server.target.url,
        editorParams: roleTokens("editor"),
        viewerParams: roleTokens("viewer"),
        seconds: plan.attacks!.seconds,
        roomPrefix: `bench-${runId}-attack`,
        seed,
        serverPgid: () => server.pgid(),
        prepare: server.target.prepare,
        // Each attack on a fresh party with the production limits (the loads and replays raise the rates).
        ...(server.restart ? { beforeEach: () => server.restart!({ fresh: true, productionLimits: true }) } : {}),
        onProgress,
      });
      for (const r of results.attacks) progress.note(attackLine(r));
    });
  }
  progress.done();
  return results;
}

/** automerge-paper replayed locally, every keystroke its own transaction, so the state carries the whole history. */
function buildColdState(): { state: Uint8Array; text: string } {
  const t = trace("automerge-paper");
  const state = fullHistoryState((doc) => {
    const text = doc.getText(DocRoot.content);
    for (const txn of t.txns) doc.transact(() => applyPatches(text, txn.patches));
  });
  return { state, text: t.endContent };
}

/** An error's message and its cause's (drivers wrap the real reason), cut to a readable length. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
  const message = error.message.length > 300 ? `${error.message.slice(0, 300)}...` : error.message;
  return message + cause;
}
