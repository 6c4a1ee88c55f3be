import type { Service, ServiceExit } from "./service.ts";

/**
 * Restart delays for a crashing service: 1 s, 2 s, 4 s ... up to `maxMs`, back to the start once it has
 * stayed up for `resetAfterMs` (a crash an hour later is not a crash loop).
 */
export class Backoff {
  #attempt = 0;
  #startedAt: number;
  constructor(
    private readonly options = { baseMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 },
    now = Date.now(),
  ) {
    this.#startedAt = now;
  }

  /** The service (re)started at `now`. */
  started(now = Date.now()): void {
    this.#startedAt = now;
  }

  /** How long to wait before the next start, given that it stopped at `now`. */
  next(now = Date.now()): number {
    if (now - this.#startedAt >= this.options.resetAfterMs) this.#attempt = 0;
    const delay = Math.min(this.options.maxMs, this.options.baseMs * 2 ** this.#attempt);
    this.#attempt++;
    return delay;
  }
}

export interface SuperviseOptions {
  /** The stack's list of services: a restarted service replaces the crashed one, so stopping ends it. */
  services: Service[];
  /** True once the runner is stopping: exits are expected then. */
  stopping: () => boolean;
  log: (line: string) => void;
}

/**
 * Restarts each service that exits on its own, with backoff, one log line per crash. The rest of the stack
 * keeps running: a dead party must not take the web app and the worker with it, and the browser reconnects
 * by itself once the party is back.
 */
export function superviseServices(options: SuperviseOptions): void {
  for (const service of [...options.services]) watch(service, new Backoff(), options);
}

function watch(service: Service, backoff: Backoff, options: SuperviseOptions): void {
  void service.exited.then(async (exit) => {
    let current = service;
    while (!options.stopping()) {
      const delay = backoff.next();
      options.log(`${service.name} ${describeExit(exit)}; restarting in ${delay / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (options.stopping()) return;
      try {
        const next = await current.respawn();
        const index = options.services.indexOf(current);
        if (index >= 0) options.services[index] = next;
        else options.services.push(next);
        if (options.stopping()) return void (await next.stop());
        backoff.started();
        return watch(next, backoff, options);
      } catch (error) {
        exit = { code: null, signal: null };
        options.log(`${service.name} failed to restart: ${firstLine(error)}`);
      }
    }
  });
}

function describeExit({ code, signal }: ServiceExit): string {
  if (signal) return `was killed (${signal})`;
  if (code === null) return "did not start";
  return `exited with code ${code}`;
}

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split("\n")[0];
