/** Thrown when no database connection freed up in time, or too many requests already wait for one. */
export class DatabaseBusyError extends Error {
  override name = "DatabaseBusyError";
}

export interface DatabaseGateOptions {
  /** Requests that may hold a database connection at once (in one isolate). */
  connections: number;
  /** Requests that may wait for one; past this a request is refused at once. */
  maxWaiting: number;
  /** How long a request waits before it is refused. */
  waitMs: number;
}

/** How often a waiting request looks for a free connection. */
const POLL_MS = 5;

/**
 * A counting semaphore with a bounded, deadline-limited wait, in front of the database. Workers may not
 * share a socket across requests, so every request opens its own pool; without a bound, a burst of 200
 * requests opened 200+ connections and Postgres answered "too many clients already" (or the embedded
 * database dropped them), which surfaced as 500s. With it, a burst waits its turn, and what cannot be
 * served within `waitMs` gets a 503 with `Retry-After` instead.
 *
 * Waiters poll rather than being woken by the request that releases: in workerd a promise resolved from
 * another request's context runs its continuation there, and the connection it then opens would belong
 * to a request that is ending. Polling keeps every request's I/O in its own context. Order among waiters
 * is not strict; the deadline bounds how long any one waits.
 *
 * @example
 * const release = await gate.acquire(); // throws DatabaseBusyError when the queue is full or too slow
 * try { await query(); } finally { release(); }
 */
export class DatabaseGate {
  readonly #options: DatabaseGateOptions;
  #active = 0;
  #waiting = 0;

  constructor(options: DatabaseGateOptions) {
    this.#options = options;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting;
  }

  async acquire(): Promise<() => void> {
    if (this.#active < this.#options.connections) return this.#take();
    if (this.#waiting >= this.#options.maxWaiting) throw new DatabaseBusyError(`${this.#waiting} requests already wait for the database`);
    const deadline = Date.now() + this.#options.waitMs;
    this.#waiting++;
    try {
      while (this.#active >= this.#options.connections) {
        if (Date.now() >= deadline) throw new DatabaseBusyError(`no database connection free within ${this.#options.waitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } finally {
      this.#waiting--;
    }
    return this.#take();
  }

  /** Takes a permit; the release function works once, whatever the caller does. */
  #take(): () => void {
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
    };
  }
}
