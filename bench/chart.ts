import { cumulativeDistribution, logBounds } from "./latency.ts";
import type { BenchRun } from "./results.ts";

/**
 * One SVG, no dependencies: a latency distribution panel per load scenario (fraction of deliveries at or
 * below x ms, x on a log axis, one line per server) and a throughput panel (one group of bars per scenario,
 * each group on its own scale with the value printed). Small enough to commit.
 */
const COLORS: Record<string, string> = {
  collab: "#d62728",
  "y-partykit": "#1f77b4",
  "y-websocket-server": "#2ca02c",
  hocuspocus: "#9467bd",
};
const PANEL_W = 360;
const PANEL_H = 230;
const MARGIN = { left: 44, right: 12, top: 28, bottom: 34 };
const X_MIN = 0.5;
const X_MAX = 2_000;

export function renderChart(run: BenchRun): string {
  const servers = run.servers.map((s) => s.server);
  const loadLabels = [...new Set(run.servers.flatMap((s) => Object.keys(s.load)))];
  const panels: string[] = [];
  loadLabels.forEach((label, i) => panels.push(`<g transform="translate(${i * PANEL_W},30)">${latencyPanel(run, label)}</g>`));
  const groups = throughputGroups(run);
  const barHeight = 12;
  const throughputH = groups.length * (servers.length * barHeight + 26) + 40;
  const width = Math.max(loadLabels.length, 2) * PANEL_W;
  const height = 30 + PANEL_H + 20 + throughputH + 30;
  const legend = servers
    .map((s, i) => `<g transform="translate(${10 + i * 170},12)"><rect width="12" height="12" fill="${color(s)}"/><text x="16" y="10">${s}</text></g>`)
    .join("");
  const throughput = `<g transform="translate(0,${30 + PANEL_H + 20})">${throughputPanel(groups, servers, width, barHeight)}</g>`;
  const footer = `<text x="10" y="${height - 10}" class="small">${escape(`${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.memoryGiB} GiB, Node ${run.machine.node}; ${run.startedAt}; seed ${run.seed}`)}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui,sans-serif" font-size="11">`,
    `<style>.small{font-size:9px;fill:#555}.axis{stroke:#999;stroke-width:0.5}.grid{stroke:#eee}</style>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    legend,
    ...panels,
    throughput,
    footer,
    `</svg>`,
  ].join("\n");
}

function latencyPanel(run: BenchRun, label: string): string {
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const x = (ms: number) => MARGIN.left + (Math.log(Math.min(Math.max(ms, X_MIN), X_MAX) / X_MIN) / Math.log(X_MAX / X_MIN)) * w;
  // The y axis counts nines (0, 0.9, 0.99, 0.999): the tail, where servers differ, gets as much room as the body.
  const nines = (fraction: number) => Math.min(-Math.log10(1 - Math.min(fraction, 0.9999)), 4) / 3.3;
  const y = (fraction: number) => MARGIN.top + (1 - Math.min(1, nines(fraction))) * h;
  const parts = [`<text x="${MARGIN.left}" y="16" font-weight="bold">latency ${label} (share delivered within x ms)</text>`];
  for (const tick of [1, 10, 100, 1000]) {
    parts.push(`<line class="grid" x1="${x(tick)}" x2="${x(tick)}" y1="${MARGIN.top}" y2="${MARGIN.top + h}"/>`);
    parts.push(`<text x="${x(tick)}" y="${MARGIN.top + h + 14}" text-anchor="middle">${tick} ms</text>`);
  }
  for (const f of [0, 0.5, 0.9, 0.99, 0.999]) {
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + w}" y1="${y(f)}" y2="${y(f)}"/>`);
    parts.push(`<text x="${MARGIN.left - 4}" y="${y(f) + 3}" text-anchor="end">${f}</text>`);
  }
  parts.push(`<rect class="axis" fill="none" x="${MARGIN.left}" y="${MARGIN.top}" width="${w}" height="${h}"/>`);
  for (const s of run.servers) {
    const result = s.load[label];
    if (!result || result.samples.count === 0) continue;
    const points = cumulativeDistribution(result.samples.sorted(), logBounds(X_MIN, X_MAX, 80));
    const d = points.map(([ms, fraction], i) => `${i ? "L" : "M"}${x(ms).toFixed(1)},${y(fraction).toFixed(1)}`).join("");
    parts.push(`<path d="${d}" fill="none" stroke="${color(s.server)}" stroke-width="1.5"/>`);
  }
  return parts.join("");
}

interface Group {
  title: string;
  values: Map<string, number>;
}

function throughputGroups(run: BenchRun): Group[] {
  const groups = new Map<string, Group>();
  const add = (title: string, server: string, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const group = groups.get(title) ?? { title, values: new Map() };
    group.values.set(server, value);
    groups.set(title, group);
  };
  for (const s of run.servers) {
    for (const [label, r] of Object.entries(s.replay)) add(`replay ${label}: updates/s end to end`, s.server, r.exact ? r.updatesPerSecond : undefined);
    for (const [label, r] of Object.entries(s.load)) add(`load ${label}: delivered updates/s`, s.server, r.deliveredPerSecond);
  }
  return [...groups.values()];
}

function throughputPanel(groups: Group[], servers: string[], width: number, barHeight: number): string {
  const labelW = 130;
  const barMax = width - labelW - 90;
  const parts = [`<text x="10" y="14" font-weight="bold">throughput per scenario (each group on its own scale)</text>`];
  let top = 26;
  for (const group of groups) {
    const max = Math.max(...group.values.values());
    parts.push(`<text x="10" y="${top + 10}">${escape(group.title)}</text>`);
    top += 14;
    for (const server of servers) {
      const value = group.values.get(server);
      const w = value === undefined || max <= 0 ? 0 : (value / max) * barMax;
      parts.push(`<text x="${labelW - 6}" y="${top + 9}" text-anchor="end" class="small">${server}</text>`);
      parts.push(`<rect x="${labelW}" y="${top}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${color(server)}"/>`);
      parts.push(`<text x="${labelW + w + 4}" y="${top + 9}" class="small">${value === undefined ? "–" : Math.round(value).toLocaleString("en-US")}</text>`);
      top += barHeight;
    }
    top += 12;
  }
  return parts.join("");
}

function color(server: string): string {
  return COLORS[server] ?? "#333";
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
