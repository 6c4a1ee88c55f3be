import { execFile } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { promisify } from "node:util";

/** A process listening on a port. */
export interface PortHolder {
  pid: number;
  command: string;
  /** The `npm run dev` runner it belongs to, when it is one of ours (Linux only). */
  runner?: number;
}

export interface BusyPort {
  /** What we wanted the port for, e.g. "web". */
  name: string;
  port: number;
  /** Who holds it, when the system says (another user's processes are hidden from us). */
  holders: PortHolder[];
}

/** True when nothing listens on `port` (tried on 127.0.0.1, which also collides with a 0.0.0.0 listener). */
export async function isPortFree(port: number): Promise<boolean> {
  const server = createServer();
  const result = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.once("listening", () => resolve(true));
    server.listen({ port, host: "127.0.0.1", exclusive: true });
  });
  if (result) {
    server.close();
    await once(server, "close");
  }
  return result;
}

/** The ports of `wanted` that are taken, each with the processes that hold it. */
export async function busyPorts(wanted: Record<string, number>): Promise<BusyPort[]> {
  const busy: BusyPort[] = [];
  for (const [name, port] of Object.entries(wanted)) {
    if (!(await isPortFree(port))) busy.push({ name, port, holders: await portHolders(port) });
  }
  return busy;
}

/** What a second `npm run dev` prints instead of a bare "port already in use": who, and how to stop them. */
export function describeBusyPorts(busy: BusyPort[], envNames: Record<string, string>): string {
  const lines = ["Cannot start: these ports are taken."];
  const pids = new Set<number>();
  const runners = new Set<number>();
  for (const { name, port, holders } of busy) {
    const who = holders.length ? holders.map((h) => `pid ${h.pid} (${h.command})`).join(", ") : "a process this user cannot see";
    lines.push(`  ${name.padEnd(8)} ${port}  held by ${who}`);
    for (const holder of holders) {
      if (holder.runner) runners.add(holder.runner);
      else pids.add(holder.pid);
    }
  }
  lines.push("");
  // Stopping another runner stops its servers with it; a stray server is stopped with its process group.
  if (runners.size) lines.push(`Another \`npm run dev\` is running (pid ${[...runners].join(", ")}): Ctrl-C in its terminal, or  kill ${[...runners].join(" ")}`);
  if (pids.size) lines.push(`Stop them with:  kill ${[...pids].join(" ")}`);
  const vars = busy.map(({ name }) => envNames[name]).filter(Boolean);
  if (vars.length) lines.push(`Or choose other ports with ${vars.join(", ")}.`);
  return lines.join("\n");
}

/** Processes listening on `port`: /proc on Linux, lsof elsewhere (macOS); empty when neither answers. */
export async function portHolders(port: number): Promise<PortHolder[]> {
  try {
    return linuxPortHolders(port);
  } catch {
    return lsofPortHolders(port).catch(() => []);
  }
}

/** Listening sockets' inodes from /proc/net/tcp{,6}, then the processes whose fds point at them. */
function linuxPortHolders(port: number): PortHolder[] {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch (error) {
      if (table.endsWith("6")) continue;
      throw error;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the inode.
      if (fields.length < 10 || fields[3] !== "0A") continue;
      if (parseInt(fields[1]!.split(":")[1]!, 16) === port) inodes.add(fields[9]!);
    }
  }
  const holders: PortHolder[] = [];
  if (!inodes.size) return holders;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    const holds = fds.some((fd) => {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        return target.startsWith("socket:[") && inodes.has(target.slice(8, -1));
      } catch {
        return false;
      }
    });
    if (holds) holders.push({ pid: Number(entry), command: commandLine(entry), runner: runnerOf(entry) });
  }
  return holders;
}

/** The nearest ancestor running tools/dev.ts, if any. */
function runnerOf(pid: string): number | undefined {
  for (let current = pid, depth = 0; current !== "1" && current !== "0" && depth < 20; depth++) {
    try {
      if (readFileSync(`/proc/${current}/cmdline`, "utf8").includes("tools/dev.ts")) return Number(current);
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${current}/stat`, "utf8");
      current = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]!;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function commandLine(pid: string): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return shorten(args.join(" "));
  } catch {
    return "?";
  }
}

async function lsofPortHolders(port: number): Promise<PortHolder[]> {
  const { stdout } = await promisify(execFile)("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpc"], { timeout: 5_000 });
  const holders: PortHolder[] = [];
  for (const line of stdout.split("\n")) {
    if (line.startsWith("p")) holders.push({ pid: Number(line.slice(1)), command: "?" });
    else if (line.startsWith("c") && holders.length) holders[holders.length - 1]!.command = line.slice(1);
  }
  return holders;
}

const shorten = (text: string) => (text.length > 120 ? `${text.slice(0, 117)}...` : text);
