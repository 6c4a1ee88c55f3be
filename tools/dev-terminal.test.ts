import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startDevRun, type DevRun } from "./testing/dev-run.ts";
import { normalUse } from "./testing/normal-use.ts";

/**
 * The terminal of `npm run dev` stays calm through ordinary use: no stack traces, no errors, no line per
 * request or socket. The session is tools/testing/normal-use.ts; what it printed is shown when this fails.
 */
const dataDir = mkdtempSync(join(tmpdir(), "collab-dev-terminal-"));
/** Every run started, a retried attempt's too: each must be stopped, not only the last. */
const runs: DevRun[] = [];
// After each attempt, not at the end: a retry's dev stack needs the embedded database the last one locked.
afterEach(async () => {
  await Promise.all(
    runs.splice(0).map(async (run) => {
      const exited = new Promise((resolve) => run.npm.once("exit", resolve));
      process.kill(run.runner, "SIGTERM");
      if (run.npm.exitCode === null && run.npm.signalCode === null) await exited;
    }),
  );
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Colour codes out, one entry per non-empty line. */
const linesOf = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((line) => line.trim());

describe("the dev terminal", () => {
  it("prints no error and at most a few lines for a session of normal use", { timeout: 180_000 }, async () => {
    const run = await startDevRun(dataDir);
    runs.push(run);
    const startup = linesOf(run.output());
    const before = run.output().length;
    await normalUse(run.webUrl);
    const session = linesOf(run.output().slice(before));
    console.log(`start-up: ${startup.length} lines; normal use: ${session.length} lines`);
    if (session.length) console.log(session.join("\n"));
    // \b404\b: a 404 status, not the digits of a port such as 34043 in the start-up's URLs.
    expect(startup.filter((line) => /\b404\b|error|✘/i.test(line)), "start-up").toEqual([]);
    const errors = session.filter((line) => /error|✘|exception|disconnected|stack:|^\S+\s*│\s+at /i.test(line));
    expect(errors, "errors during normal use").toEqual([]);
    expect(session.length).toBeLessThanOrEqual(5);
  });
});
