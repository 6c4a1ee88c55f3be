import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer } from "node:net";
import { once } from "node:events";
import { join } from "node:path";
import { humanLogLine } from "./log-lines.ts";

/** Runs each server and ends its process group when the runner goes (see the file). */
const WATCHDOG = join(import.meta.dirname, "watchdog.js");

export interface ServiceOptions {
  /** Log prefix, e.g. "party". */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Resolves once the service answers; polled until `readyTimeoutMs`. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Print the service's output (prefixed). Tests keep it quiet unless STACK_LOGS=1. */
  quiet?: boolean;
  /** Lines not worth a place in the terminal (e.g. partykit's line per request); still kept for `output()`. */
  hide?: RegExp;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Service {
  readonly name: string;
  /** The watchdog process leading the service's process group. */
  readonly child: ChildProcess;
  /** Resolves when the server exits, by itself or stopped, with its own exit code or signal. */
  readonly exited: Promise<ServiceExit>;
  /** Recent output, for error messages. */
  output(): string;
  /** SIGTERM the whole process group and wait; SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL the whole process group at once, as a crash would. */
  kill(): Promise<void>;
  /** Starts the same server again (same ports and arguments), e.g. after it crashed. */
  respawn(): Promise<Service>;
}

/** Generous: on a loaded 2-core machine wrangler alone has taken over 60 s to bundle and start. */
const READY_TIMEOUT_MS = 120_000;

const COLORS = [36, 35, 33, 32, 34, 31];
let colorIndex = 0;
/** One colour per service name, kept when it restarts. */
const colors = new Map<string, number>();

/**
 * Starts a dev server as its own process group (partykit and wrangler each spawn workerd children; killing
 * only the parent would leave them holding the port) under the watchdog, which ends that group when this
 * process dies, whatever kills it, and waits until the server answers.
 */
export async function startService(options: ServiceOptions): Promise<Service> {
  if (!colors.has(options.name)) colors.set(options.name, COLORS[colorIndex++ % COLORS.length]!);
  const prefix = `\x1b[${colors.get(options.name)}m${options.name.padEnd(6)}\x1b[0m│ `;
  const child = spawn(process.execPath, [WATCHDOG, options.command, ...options.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  // The channel only carries the server's exit; it must not keep the runner alive.
  child.unref();
  child.channel?.unref();
  let reported: ServiceExit | undefined;
  child.on("message", (message: { exit?: ServiceExit }) => {
    if (message.exit) reported = message.exit;
  });
  child.on("error", () => {});
  let recent = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    recent = (recent + text).slice(-8_000);
    if (!options.quiet) {
      // Keep colours, drop the cursor movements (erase line, move up) that partykit's live display uses.
      const clean = text.replace(/\x1b\[[0-9;]*[A-HJKSTfGsu]/g, "");
      for (const line of clean.split("\n")) {
        if (line.trim() && !options.hide?.test(line.replace(/\x1b\[[0-9;]*m/g, ""))) process.stdout.write(prefix + humanLogLine(line) + "\n");
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = once(child, "exit");
  // The report arrives on the channel, which closes after its last message: wait for both.
  const channelClosed = child.connected ? once(child, "disconnect") : Promise.resolve();
  const exit = Promise.all([exited, channelClosed]).then(([[code, signal]]): ServiceExit => reported ?? { code: code as number | null, signal: signal as NodeJS.Signals | null });

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const waitExit = async (ms: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return true;
    return Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  };
  const service: Service = {
    name: options.name,
    child,
    exited: exit,
    output: () => recent,
    respawn: () => startService(options),
    async stop() {
      signalGroup("SIGTERM");
      if (!(await waitExit(5_000))) signalGroup("SIGKILL");
      await waitExit(5_000);
      // Children that outlived the parent (workerd) share its group.
      signalGroup("SIGKILL");
    },
    async kill() {
      signalGroup("SIGKILL");
      await waitExit(5_000);
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? READY_TIMEOUT_MS);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const { code, signal } = await exit;
      throw new Error(`${options.name} exited (${code ?? signal}) before it was ready:\n${recent}`);
    }
    if (await options.ready().catch(() => false)) return service;
    await new Promise((r) => setTimeout(r, 200));
  }
  await service.stop();
  throw new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? READY_TIMEOUT_MS} ms:\n${recent}`);
}

/** Resolves when a TCP connection to `port` on 127.0.0.1 opens: a probe that no server logs as a request. */
export async function listens(port: number): Promise<boolean> {
  const socket = connect({ port, host: "127.0.0.1" });
  try {
    await once(socket, "connect");
    return true;
  } finally {
    socket.destroy();
  }
}

/** Resolves when an HTTP GET to `url` gets any response. */
export async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return true;
}

/** A port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}
