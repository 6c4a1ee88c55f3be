import { readdirSync, readFileSync } from "node:fs";
import type { Pgids } from "./cpu.ts";

/**
 * The resident memory of the workerd process that serves the rooms. `partykit dev` runs as a process group:
 * the CLI (node), esbuild and workerd; only workerd holds the rooms, so the group's sum would blur what a
 * room costs. Linux only: undefined elsewhere, or when no workerd is found in the group(s).
 */
const PAGE_BYTES = 4096;

export function workerdRssBytes(pgid: Pgids): number | undefined {
  const groups = new Set(Array.isArray(pgid) ? pgid : [pgid]);
  let largest: number | undefined;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // After the name: [2] pgrp, [21] rss in pages.
      if (!name.startsWith("workerd") || !groups.has(Number(fields[2]))) continue;
      const rss = Number(fields[21]) * PAGE_BYTES;
      largest = Math.max(largest ?? 0, rss);
    } catch {
      // exited meanwhile
    }
  }
  return largest;
}

/** Samples {@link workerdRssBytes} every `everyMs` until stopped; reports the peak. */
export function watchWorkerdRss(pgid: Pgids | undefined, everyMs = 200): { stop(): number | undefined } {
  if (pgid === undefined) return { stop: () => undefined };
  let peak = workerdRssBytes(pgid);
  const timer = setInterval(() => {
    const now = workerdRssBytes(pgid);
    if (now !== undefined) peak = Math.max(peak ?? 0, now);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
