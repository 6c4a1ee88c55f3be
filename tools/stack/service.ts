import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { once } from "node:events";

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
}

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** Recent output, for error messages. */
  output(): string;
  /** SIGTERM the whole process group and wait; SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL the whole process group at once, as a crash would. */
  kill(): Promise<void>;
}

const COLORS = [36, 35, 33, 32, 34, 31];
let colorIndex = 0;

/**
 * Starts a dev server as its own process group (partykit and wrangler each spawn workerd children; killing
 * only the parent would leave them holding the port) and waits until it answers.
 */
export async function startService(options: ServiceOptions): Promise<Service> {
  const color = COLORS[colorIndex++ % COLORS.length];
  const prefix = `\x1b[${color}m${options.name.padEnd(6)}\x1b[0m│ `;
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let recent = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    recent = (recent + text).slice(-8_000);
    if (!options.quiet) {
      // Keep colours, drop the cursor movements (erase line, move up) that partykit's live display uses.
      const clean = text.replace(/\x1b\[[0-9;]*[A-HJKSTfGsu]/g, "");
      for (const line of clean.split("\n")) if (line.trim()) process.stdout.write(prefix + line + "\n");
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = once(child, "exit");

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
    output: () => recent,
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

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${options.name} exited with code ${child.exitCode} before it was ready:\n${recent}`);
    }
    if (await options.ready().catch(() => false)) return service;
    await new Promise((r) => setTimeout(r, 200));
  }
  await service.stop();
  throw new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${recent}`);
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
