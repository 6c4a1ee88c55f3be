import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isPortFree } from "./stack/ports.ts";
import { listens } from "./stack/service.ts";
import { processesOf, startDevRun, type DevRun } from "./testing/dev-run.ts";
import { processTable, type ProcessInfo } from "./testing/processes.ts";

/**
 * `npm run dev` must leave nothing behind however it ends: a closed terminal (SIGHUP) or a SIGKILL, of the
 * runner or of npm itself. Each round starts the real runner in a fresh DATA_DIR on free ports, waits for
 * its banner, records every process it started (the runner's tree and the process groups in it), signals,
 * and then expects every one of them gone and every port free.
 */
const dataDir = mkdtempSync(join(tmpdir(), "collab-dev-runner-"));
const seen = new Map<number, ProcessInfo>();
afterAll(() => {
  // A failed round must not leave servers running on the machine.
  for (const pid of seen.keys()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function startDev(): Promise<DevRun> {
  const run = await startDevRun(dataDir);
  for (const p of run.processes) seen.set(p.pid, p);
  // Sanity: the run really started the servers this test is about.
  for (const name of ["partykit", "wrangler", "workerd", "vite", "watchdog"]) expect(run.processes.some((p) => p.command.includes(name)), name).toBe(true);
  return run;
}

/** Waits until none of `processes` is alive and every port is free; returns what is still left then. */
async function leftovers(run: DevRun, withinMs: number): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const alive = new Set(processTable().map((p) => p.pid));
    const left = run.processes.filter((p) => alive.has(p.pid)).map((p) => `pid ${p.pid}: ${p.command.slice(0, 140)}`);
    for (const port of Object.values(run.ports)) if (!(await isPortFree(port))) left.push(`port ${port} still taken`);
    if (!left.length || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("npm run dev leaves nothing behind", () => {
  it("after a SIGHUP to the runner (a closed terminal), and a crashed party is restarted before that", { timeout: 180_000 }, async () => {
    const run = await startDev();
    // One dead service does not take the stack down: the party comes back on its port, the rest stays.
    const party = run.processes.find((p) => /node\S* \S*partykit dev/.test(p.command))!;
    const web = run.processes.find((p) => /node\S* \S*vite/.test(p.command))!;
    const before = run.output().length;
    process.kill(party.pid, "SIGKILL");
    const deadline = Date.now() + 90_000;
    const back = async () => {
      const again = processesOf(run.npm.pid!).some((p) => p.pid !== party.pid && /node\S* \S*partykit dev/.test(p.command));
      return again && run.output().slice(before).includes("restarting") && (await listens(run.ports.PARTY_PORT).catch(() => false));
    };
    while (!(await back())) {
      if (Date.now() > deadline) throw new Error(`the party did not come back:\n${run.output().slice(before)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(run.output().slice(before)).toMatch(/party was killed \(SIGKILL\); restarting in 1 s/);
    expect(processTable().some((p) => p.pid === web.pid), "the web server kept running").toBe(true);
    expect(run.output()).not.toContain("stopping");
    for (const p of processesOf(run.npm.pid!)) if (!run.processes.includes(p)) run.processes.push(p), seen.set(p.pid, p);
    process.kill(run.runner, "SIGHUP");
    expect(await leftovers(run, 20_000)).toEqual([]);
  });

  it("after a SIGKILL of the runner", { timeout: 120_000 }, async () => {
    const run = await startDev();
    process.kill(run.runner, "SIGKILL");
    expect(await leftovers(run, 20_000)).toEqual([]);
  });

  it("after a SIGKILL of npm itself", { timeout: 120_000 }, async () => {
    const run = await startDev();
    process.kill(run.npm.pid!, "SIGKILL");
    expect(await leftovers(run, 20_000)).toEqual([]);
  });
});
