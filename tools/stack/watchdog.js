// @ts-check
/**
 * `node watchdog.js COMMAND ARGS...`: runs one dev server and makes it die with whoever started it.
 *
 * The runner spawns this as the leader of a new process group (detached) with an IPC channel. The server and
 * everything it spawns (workerd) stay in that group. When the runner goes, however it goes (Ctrl-C, a closed
 * terminal's SIGHUP, SIGTERM, or SIGKILL, which it cannot react to), the kernel closes the channel and this
 * process ends the whole group. Linux's PR_SET_PDEATHSIG is not reachable from Node and does not exist on
 * macOS; a closed pipe works on both. The parent pid is polled too, in case the channel was never opened.
 *
 * When the server exits by itself, the group is killed as well (workerd would otherwise outlive partykit and
 * hold its port) and the exit is reported over the channel first, since this process dies by SIGKILL too.
 *
 * Plain JavaScript on purpose: it starts under bare `node` in ~30 ms, with no TypeScript loader.
 */
import { spawn } from "node:child_process";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node watchdog.js COMMAND [ARGS...]");
  process.exit(2);
}
const GRACE_MS = 3_000;
const parent = process.ppid;

// Node removes NODE_CHANNEL_FD itself; dropping it again keeps the server from adopting the channel.
const env = { ...process.env };
delete env.NODE_CHANNEL_FD;
const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"], env });

/** Signals the whole group: the server, its children, and this process. */
const signalGroup = (/** @type {NodeJS.Signals} */ signal) => {
  try {
    process.kill(-process.pid, signal);
  } catch {
    // Nothing left to signal.
  }
};

let ending = false;
/** The runner is gone: ask the group to stop, and make sure after a grace period. */
const runnerGone = () => {
  if (ending) return;
  ending = true;
  signalGroup("SIGTERM");
  setTimeout(() => signalGroup("SIGKILL"), GRACE_MS).unref();
};

// A group-wide SIGTERM (from the runner's stop, or from runnerGone) reaches the server directly; this
// process waits for it to exit instead of dying first and leaving the SIGKILL to nobody.
process.on("SIGTERM", () => {});
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
process.on("disconnect", runnerGone);
setInterval(() => {
  if (process.ppid !== parent) runnerGone();
}, 500).unref();

child.on("error", (error) => {
  console.error(`cannot start ${command}: ${error.message}`);
  finish({ code: 127, signal: null });
});
child.on("exit", (code, signal) => finish({ code, signal }));

/** @param {{ code: number | null, signal: NodeJS.Signals | null }} exit */
function finish(exit) {
  const killRest = () => {
    signalGroup("SIGKILL");
    process.exit(exit.code ?? 1);
  };
  if (process.connected) process.send({ exit }, killRest);
  else killRest();
}
