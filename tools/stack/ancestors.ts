import { readFileSync } from "node:fs";

/**
 * The processes that launched this runner within its shell job (`npm run dev`, then `sh -c`): the parent,
 * and further ancestors while they share this process group. Found through /proc; just the parent
 * elsewhere. A SIGKILL of npm kills neither `sh` nor this process, yet the user believes the dev servers
 * gone: the runner watches all of them and stops when any disappears.
 */
export function launcherPids(): number[] {
  const pids = [process.ppid];
  try {
    const group = statOf(process.pid).pgid;
    for (let current = process.ppid; pids.length < 8 && statOf(current).pgid === group; ) {
      const up = statOf(current).ppid;
      if (up <= 1 || statOf(up).pgid !== group) break;
      pids.push(up);
      current = up;
    }
  } catch {
    // No /proc (macOS), or an ancestor just exited: the parent alone.
  }
  return pids;
}

/** /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so read after the last ')'. */
function statOf(pid: number): { ppid: number; pgid: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const [, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(ppid), pgid: Number(pgid) };
}

/** Calls `onGone` once when any of `pids` has exited (or this process was re-parented). */
export function watchLaunchers(pids: number[], onGone: () => void, intervalMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    const gone =
      process.ppid !== parent ||
      pids.some((pid) => {
        try {
          process.kill(pid, 0);
          return false;
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === "ESRCH";
        }
      });
    if (gone) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
}
