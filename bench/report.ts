import type { BenchRun, ServerResults } from "./results.ts";
import type { TargetCheck } from "./targets.ts";
import type { AttackResult } from "./scenarios/attacks.ts";
import type { ProbeReport } from "./probe.ts";
import { describeSettled } from "./settle.ts";

/**
 * The comparison as Markdown tables: readable in a terminal and pasted as is into BENCHMARKS.md. Every row
 * of ours is also shown as a ratio to each reference (for latency and load times lower is better, for
 * throughput higher is better; the row says which).
 */
interface Row {
  label: string;
  better: "lower" | "higher" | "info";
  value: (s: ServerResults) => number | string | undefined;
  digits?: number;
}

export function comparisonTable(run: BenchRun): string {
  const servers = run.servers;
  const ours = servers.find((s) => s.server === "collab");
  const references = servers.filter((s) => s.server !== "collab");
  const rows = buildRows(run);
  const header = ["", ...servers.map((s) => s.server), ...(ours ? references.map((r) => `collab ÷ ${r.server}`) : [])];
  const lines = [row(header), row(header.map((_, i) => (i === 0 ? "---" : "---:")))];
  for (const r of rows) {
    const cells = servers.map((s) => format(r.value(s), r.digits));
    const ratios = ours
      ? references.map((ref) => {
          const a = r.value(ours);
          const b = r.value(ref);
          if (r.better === "info" || typeof a !== "number" || typeof b !== "number" || !b) return "";
          return `${(a / b).toFixed(2)}`;
        })
      : [];
    const arrow = r.better === "lower" ? " (↓)" : r.better === "higher" ? " (↑)" : "";
    lines.push(row([`${r.label}${arrow}`, ...cells, ...ratios]));
  }
  return lines.join("\n");
}

/** What the server did after a scenario until quiet; runs from before 2026-12-01 have none. */
function aftermath(s: ServerResults, label: string): string | undefined {
  const settled = s.aftermath?.[label];
  return settled && describeSettled(settled);
}

function buildRows(run: BenchRun): Row[] {
  const loadLabels = unique(run.servers.flatMap((s) => Object.keys(s.load)));
  const replayLabels = unique(run.servers.flatMap((s) => Object.keys(s.replay)));
  const rows: Row[] = [];
  for (const label of loadLabels) {
    const load = (s: ServerResults) => s.load[label];
    rows.push(
      { label: `load ${label} p50 ms`, better: "lower", value: (s) => load(s)?.latency.p50, digits: 1 },
      { label: `load ${label} p99 ms`, better: "lower", value: (s) => load(s)?.latency.p99, digits: 1 },
      { label: `load ${label} max ms`, better: "lower", value: (s) => load(s)?.latency.max, digits: 1 },
      { label: `load ${label} delivered/s`, better: "higher", value: (s) => load(s)?.deliveredPerSecond, digits: 0 },
      { label: `load ${label} lost / expected`, better: "info", value: (s) => load(s) && `${load(s)!.deliveries.lost} / ${load(s)!.deliveries.expected}${load(s)!.convergence.converged ? "" : " DIVERGED"}` },
      { label: `load ${label} connect+sync p99 ms`, better: "lower", value: (s) => load(s)?.connect.p99, digits: 0 },
      { label: `load ${label} CPU cores gen/server/other (limit)`, better: "info", value: (s) => load(s) && cpuCell(load(s)!.cpu) },
      { label: `load ${label} aftermath (server, until quiet)`, better: "info", value: (s) => aftermath(s, `load ${label}`) },
    );
  }
  for (const label of replayLabels) {
    const replay = (s: ServerResults) => s.replay[label];
    rows.push(
      { label: `replay ${label} updates/s`, better: "higher", value: (s) => replay(s) && (replay(s)!.exact ? replay(s)!.updatesPerSecond : "NOT EXACT"), digits: 0 },
      { label: `replay ${label} keystrokes/s`, better: "higher", value: (s) => replay(s) && (replay(s)!.exact ? replay(s)!.keystrokesPerSecond : "NOT EXACT"), digits: 0 },
      { label: `replay ${label} storage writes/s (updates per write)`, better: "info", value: (s) => replay(s)?.storage && `${replay(s)!.storage!.writesPerSecond.toFixed(0)} (${replay(s)!.storage!.updatesPerWrite.toFixed(1)})` },
      { label: `replay ${label} CPU cores gen/server/other (limit)`, better: "info", value: (s) => replay(s) && `${cpuCell(replay(s)!.cpu)}${replay(s)!.complete ? "" : " partial"}` },
    );
  }
  rows.push(
    { label: "cold load, loaded room ms", better: "lower", value: (s) => s.coldLoad?.memoryMs, digits: 0 },
    { label: "cold load, from room storage ms", better: "lower", value: (s) => s.coldLoad?.roomStorageMs, digits: 0 },
    { label: "cold load, from Postgres ms", better: "lower", value: (s) => s.coldLoad?.postgresMs, digits: 0 },
    { label: "scale: most clients in one room (p99 < 100 ms)", better: "higher", value: (s) => scaleCell(s, "clients") },
    { label: "scale: most rooms x 2 clients (p99 < 100 ms)", better: "higher", value: (s) => scaleCell(s, "rooms") },
    { label: "server memory per connection KiB", better: "lower", value: (s) => perUnit(s, "clients"), digits: 0 },
    { label: "server memory per room (2 clients) KiB", better: "lower", value: (s) => perUnit(s, "rooms"), digits: 0 },
    { label: "durable before delivery", better: "info", value: (s) => (s.durable ? `yes (${s.storage})` : `no (${s.storage})`) },
  );
  return rows;
}

export function targetsTable(checks: TargetCheck[]): string {
  const lines = [row(["target", "measured", "verdict"]), row(["---", "---", "---"])];
  for (const check of checks) lines.push(row([check.target, check.measured, check.met === undefined ? "NOT MEASURED" : check.met ? "met" : "MISSED"]));
  return lines.join("\n");
}

export function errorsText(run: BenchRun): string {
  const lines: string[] = [];
  for (const s of run.servers) for (const [scenario, message] of Object.entries(s.errors)) lines.push(`- ${s.server} / ${scenario}: ${message}`);
  return lines.join("\n");
}

function cpuCell(cpu: { generatorCores: number; serverCores: number | undefined; otherCores: number | undefined; bottleneck: string }): string {
  const server = cpu.serverCores === undefined ? "?" : cpu.serverCores.toFixed(2);
  const other = cpu.otherCores === undefined ? "?" : cpu.otherCores.toFixed(2);
  return `${cpu.generatorCores.toFixed(2)}/${server}/${other} (${cpu.bottleneck})`;
}

function scaleCell(s: ServerResults, axis: "clients" | "rooms"): number | string | undefined {
  const scale = s.scale[axis];
  if (!scale) return undefined;
  const top = scale.steps.at(-1);
  const capped = top?.passed ? "+" : scale.limitedByGenerator ? " (generator-bound)" : "";
  return scale.best === undefined ? `< ${scale.steps[0]?.size}` : scale.best === top?.size ? `${scale.best}${capped}` : `${scale.best}${capped}`;
}

function perUnit(s: ServerResults, axis: "clients" | "rooms"): number | undefined {
  const steps = s.scale[axis]?.steps.filter((step) => step.passed && step.bytesPerUnit !== undefined);
  const last = steps?.at(-1);
  return last?.bytesPerUnit === undefined ? undefined : last.bytesPerUnit / 1024;
}

function format(value: number | string | undefined, digits = 1): string {
  if (value === undefined) return "–";
  if (typeof value === "string") return value;
  if (Number.isNaN(value)) return "n/a";
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/**
 * The attack table: for each attack on our room, how the room answered the attacker, what workerd's memory
 * did, and the longest stall the honest probes saw (edits sent every 20 ms; a quiet room shows ~20-40 ms), with
 * how many of their gaps were over 50 ms in brackets.
 */
export function attacksTable(run: BenchRun): string {
  const lines = [
    row(["server", "attack", "attacker closed", "sent", "workerd RSS before → peak MB", "longest stall (gaps > 50 ms), same room ms", "longest stall (gaps > 50 ms), other room ms", "generator's own longest stall ms", "probe edits delivered (same / other)"]),
    row(["---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]),
  ];
  for (const s of run.servers) {
    for (const r of s.attacks ?? []) {
      lines.push(
        row([
          s.server,
          r.attack,
          r.error ? `NOT MEASURED: ${r.error}` : r.closedCode === undefined ? "NOT CLOSED" : `${r.closedCode} ${r.closedName} after ${r.closedAfterMs!.toFixed(0)} ms${again(r)}`,
          `${r.sentFrames} frames, ${(r.sentBytes / 2 ** 20).toFixed(1)} MB`,
          r.rssBeforeBytes === undefined || r.rssPeakBytes === undefined ? "–" : `${mb(r.rssBeforeBytes)} → ${mb(r.rssPeakBytes)}`,
          stall(r.sameRoom),
          stall(r.otherRoom),
          r.generatorStallMs?.toFixed(0) ?? "–",
          r.sameRoom && r.otherRoom ? `${r.sameRoom.delivered}/${r.sameRoom.sent} · ${r.otherRoom.delivered}/${r.otherRoom.sent}` : "–",
        ]),
      );
    }
  }
  return lines.length > 2 ? lines.join("\n") : "";
}

/** One attack in a line, for the progress log. */
export function attackLine(r: AttackResult): string {
  if (r.error || !r.sameRoom || !r.otherRoom) return `${r.attack}: not measured: ${r.error}`;
  const closed = r.closedCode === undefined ? "NOT CLOSED" : `closed ${r.closedCode} ${r.closedName} after ${r.closedAfterMs!.toFixed(0)} ms${again(r)}`;
  const rss = r.rssBeforeBytes === undefined || r.rssPeakBytes === undefined ? "" : `, workerd ${mb(r.rssBeforeBytes)} → ${mb(r.rssPeakBytes)} MB`;
  const generator = r.generatorStallMs === undefined ? "" : ` (generator ${r.generatorStallMs.toFixed(0)} ms)`;
  return `${r.attack}: ${closed}${rss}, stall ${stall(r.sameRoom)} ms here / ${stall(r.otherRoom)} ms elsewhere${generator}`;
}

function again(r: AttackResult): string {
  return r.reconnects ? `, then ${r.reconnects} more times` : "";
}

function stall(probe: ProbeReport | undefined): string {
  return probe ? `${probe.longestGapMs.toFixed(0)} (${probe.gapsOver50Ms})` : "–";
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}
