import { TokenBucket } from "./rate-limit.ts";

export interface JoinLimits {
  /** Sockets one user may hold open in one room at once (tabs, devices). */
  maxOpen: number;
  /** Sockets the room holds open at once, all users together: what fits in an object's memory. */
  maxRoom: number;
  /** Joins one user may make per second, after a burst of `burst` (every tab reconnecting after a restart). */
  perSecond: number;
  burst: number;
  now?: () => number;
}

/** Users whose buckets the guard keeps before it forgets the idle ones (full bucket, nothing open). */
const PRUNE_AT = 1_000;

/**
 * What one user may cost a room in connections. A room token is valid for minutes and opens any number of
 * sockets, so without this one user can join a room a hundred times a second (each join reads the room's
 * access, answers a sync and announces presence), or hold thousands of sockets open; and many users together
 * must not hold more sockets than an object's memory (128 MB) serves. A join over a bound is refused before
 * the room does any work for it; the client retries with backoff (4429 is not fatal).
 */
export class JoinGuard {
  readonly #limits: JoinLimits;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #open = new Map<string, number>();
  #total = 0;

  constructor(limits: JoinLimits) {
    this.#limits = limits;
  }

  /** Whether `userId` may join now; a join that is admitted is taken from the user's budget. */
  admit(userId: string): { ok: true } | { ok: false; reason: string } {
    const { maxOpen, maxRoom, perSecond, burst, now } = this.#limits;
    if (this.#total >= maxRoom) return { ok: false, reason: `the room is full (${maxRoom} connections)` };
    if ((this.#open.get(userId) ?? 0) >= maxOpen) return { ok: false, reason: `over ${maxOpen} connections of one user in this room` };
    let bucket = this.#buckets.get(userId);
    if (!bucket) {
      if (this.#buckets.size >= PRUNE_AT) this.#prune();
      bucket = new TokenBucket({ capacity: burst, perSecond, ...(now ? { now } : {}) });
      this.#buckets.set(userId, bucket);
    }
    if (!bucket.take(1)) return { ok: false, reason: `over ${perSecond} joins a second of one user` };
    return { ok: true };
  }

  /** A connection of `userId` joined the room (counted until `left`). */
  joined(userId: string): void {
    this.#total++;
    this.#open.set(userId, (this.#open.get(userId) ?? 0) + 1);
  }

  left(userId: string): void {
    this.#total--;
    const open = (this.#open.get(userId) ?? 0) - 1;
    if (open > 0) this.#open.set(userId, open);
    else this.#open.delete(userId);
  }

  /** Users it keeps a join budget for. */
  get users(): number {
    return this.#buckets.size;
  }

  /** Drops the buckets that are full again for users with nothing open: they are as good as new ones. */
  #prune(): void {
    for (const [userId, bucket] of this.#buckets) {
      if (!this.#open.has(userId) && bucket.available() >= this.#limits.burst) this.#buckets.delete(userId);
    }
  }
}
