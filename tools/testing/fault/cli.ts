import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { ROOT } from "../../stack/servers.ts";

/**
 * `npm run fault -- --sessions 1000 [--seed N] [--minutes M] [--first K] [--attacks a,b]`: the fault harness
 * (party/fault-harness.test.ts) for as many sessions as asked, against a fresh stack. Flags become the
 * FAULT_* variables the harness reads (tools/testing/fault/settings.ts).
 */
const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "1000" },
    seed: { type: "string" },
    first: { type: "string" },
    minutes: { type: "string" },
    attacks: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run fault -- [--sessions N] [--seed N] [--first K] [--minutes M] [--attacks garbage,forged-client-id,...|none]");
  process.exit(0);
}
const env: Record<string, string> = { FAULT_SESSIONS: values.sessions! };
if (values.seed !== undefined) env.FAULT_SEED = values.seed;
if (values.first !== undefined) env.FAULT_FIRST = values.first;
if (values.minutes !== undefined) env.FAULT_MINUTES = values.minutes;
if (values.attacks !== undefined) env.FAULT_ATTACKS = values.attacks;

// No retry: the suite's one retry would run a failed long run again from the start.
const child = spawn(process.execPath, [`${ROOT}/node_modules/vitest/vitest.mjs`, "run", "party/fault-harness.test.ts", "--retry", "0"], {
  cwd: ROOT,
  env: { ...process.env, ...env },
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
