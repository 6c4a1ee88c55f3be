/**
 * A token bucket: `capacity` tokens, refilled at `perSecond`. A burst up to the capacity passes at once
 * (a big paste, a reconnect's catch-up); a sustained rate above `perSecond` runs it dry.
 *
 * @example
 * const bytes = new TokenBucket({ capacity: 4_000_000, perSecond: 512_000 });
 * if (!bytes.take(frame.byteLength)) close(CloseCode.RateLimited);
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #updated: number;
  readonly #now: () => number;

  constructor(options: { capacity: number; perSecond: number; now?: () => number }) {
    this.#capacity = options.capacity;
    this.#perMs = options.perSecond / 1_000;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.capacity;
    this.#updated = this.#now();
  }

  /** Takes `amount` tokens if there are that many; otherwise takes none and returns false. */
  take(amount: number): boolean {
    if (amount > this.available()) return false;
    this.#tokens -= amount;
    return true;
  }

  /** Tokens there are now (what `take` would allow at most). */
  available(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updated) * this.#perMs);
    this.#updated = now;
    return this.#tokens;
  }
}
