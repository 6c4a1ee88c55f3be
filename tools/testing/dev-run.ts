import { spawn, type ChildProcess } from "node:child_process";
import { ROOT } from "../stack/servers.ts";
import { freePort } from "../stack/service.ts";
import { processTable, processTree, type ProcessInfo } from "./processes.ts";

/** A running `npm run dev`, started the way a person starts it, on free ports. */
export interface DevRun {
  npm: ChildProcess;
  /** The node process running tools/dev.ts (npm starts it through `sh -c`). */
  runner: number;
  ports: Record<"WEB_PORT" | "WORKER_PORT" | "PARTY_PORT" | "DB_PROXY_PORT", number>;
  webUrl: string;
  /** Everything the run started: the runner's tree and every process in the process groups in it. */
  processes: ProcessInfo[];
  /** All the terminal showed so far (stdout and stderr, in order). */
  output(): string;
}

/**
 * `npm run dev` in `dataDir` on free ports, resolved once its banner is out. It gets a process group of its
 * own, as a terminal would give it, so that signals sent to it never reach the test runner.
 */
export async function startDevRun(dataDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<DevRun> {
  const ports = { WEB_PORT: await freePort(), WORKER_PORT: await freePort(), PARTY_PORT: await freePort(), DB_PROXY_PORT: await freePort() };
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), ...extraEnv };
  delete env.REDIS_URL; // presence through the lobby party: no bridge to reason about
  const npm = spawn("npm", ["run", "dev"], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  npm.stdout!.on("data", (chunk) => (output += chunk));
  npm.stderr!.on("data", (chunk) => (output += chunk));
  const deadline = Date.now() + 120_000;
  while (!output.includes("Ctrl-C stops everything")) {
    if (npm.exitCode !== null || Date.now() > deadline) {
      try {
        process.kill(-npm.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      throw new Error(`npm run dev did not start:\n${output.slice(-3_000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const processes = processesOf(npm.pid!);
  const tree = processTree(npm.pid!);
  const runner = tree.find((p) => /^(\S*\/)?node .*tools\/dev\.ts/.test(p.command));
  if (!runner) throw new Error(`no runner in the tree:\n${tree.map((p) => p.command).join("\n")}`);
  return { npm, runner: runner.pid, ports, webUrl: `http://127.0.0.1:${ports.WEB_PORT}`, processes, output: () => output };
}

/** The processes of a run: the tree under npm, and every process in the process groups in it. */
export function processesOf(npmPid: number): ProcessInfo[] {
  const table = processTable();
  const tree = processTree(npmPid, table);
  const groups = new Set(tree.map((p) => p.pgid));
  return table.filter((p) => tree.includes(p) || (groups.has(p.pgid) && p.pgid !== process.pid));
}
