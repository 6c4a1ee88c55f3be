/**
 * Reconnect delays with "full jitter" (AWS Architecture Blog, "Exponential Backoff and Jitter"): wait a
 * uniformly random time between 0 and an exponentially growing ceiling. When a room restarts, every client
 * drops at the same moment; without jitter they would all come back in lock-step waves and knock it over
 * again. Full jitter spreads them across the whole window while keeping the expected delay at half the ceiling.
 *
 * @example
 * // attempt 0: 0-500 ms, attempt 1: 0-1 s, attempt 2: 0-2 s, ... attempt 5 and later: 0-10 s
 * setTimeout(reconnect, fullJitterDelay(attempt++));
 */
export interface BackoffOptions {
  /** Ceiling of the first retry. */
  baseMs: number;
  /** Largest ceiling, reached after a few failures. */
  capMs: number;
}

export const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 10_000 };

export function fullJitterDelay(
  attempt: number,
  { baseMs, capMs }: BackoffOptions = RECONNECT_BACKOFF,
  random: () => number = Math.random,
): number {
  // Clamp the exponent so a long outage cannot overflow to Infinity.
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
