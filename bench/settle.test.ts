import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { describeSettled, settle } from "./settle.ts";

/** A process group of its own (detached), as the bench's servers are. */
function group(script: string): ChildProcess {
  return spawn(process.execPath, ["-e", script], { detached: true, stdio: "ignore" });
}

describe("settle", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
  });

  it("returns at the first quiet window of an idle server", async () => {
    const idle = group("setTimeout(() => {}, 60_000)");
    children.push(idle);
    const settled = await settle(idle.pid!, { windowMs: 200, maxMs: 5_000 });
    expect(settled.quiet).toBe(true);
    expect(settled.ms).toBeLessThan(2_000);
  });

  it("gives up on a server that stays busy, and says so", async () => {
    const busy = group("for (;;) {}");
    children.push(busy);
    const settled = await settle(busy.pid!, { windowMs: 200, maxMs: 1_000 });
    expect(settled.quiet).toBe(false);
    expect(settled.cpuSeconds).toBeGreaterThan(0.3);
    expect(describeSettled(settled)).toMatch(/never quiet/);
  });
});
