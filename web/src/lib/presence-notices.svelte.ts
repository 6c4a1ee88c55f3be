import type { PresenceChange } from "./presence-changes.ts";

/** One "Ada joined" / "Ada left" on screen. */
export interface PresenceNotice extends PresenceChange {
  /** Unique per notice, for keyed lists: the same person can join, leave and join again. */
  key: number;
}

export interface PresenceNoticeOptions {
  /** How long each notice stays. */
  durationMs?: number;
  /** The most on screen at once; older ones go first (a crowd arriving is one glance, not a wall). */
  max?: number;
}

/**
 * Brief join and leave notices: each goes away by itself after a few seconds.
 *
 * @example
 * const notices = new PresenceNotices();
 * notices.add(tracker.next(entries));
 * // {#each notices.items as notice (notice.key)} ... {/each}
 * notices.destroy();
 */
export class PresenceNotices {
  items = $state.raw<PresenceNotice[]>([]);

  readonly #durationMs: number;
  readonly #max: number;
  readonly #timers = new Map<number, ReturnType<typeof setTimeout>>();
  #nextKey = 1;

  constructor({ durationMs = 4_000, max = 4 }: PresenceNoticeOptions = {}) {
    this.#durationMs = durationMs;
    this.#max = max;
  }

  add(changes: readonly PresenceChange[]): void {
    if (changes.length === 0) return;
    const added = changes.map((change) => ({ ...change, key: this.#nextKey++ }));
    for (const notice of added) this.#timers.set(notice.key, setTimeout(() => this.dismiss(notice.key), this.#durationMs));
    const items = [...this.items, ...added];
    for (const dropped of items.slice(0, Math.max(0, items.length - this.#max))) this.#clearTimer(dropped.key);
    this.items = items.slice(-this.#max);
  }

  dismiss(key: number): void {
    this.#clearTimer(key);
    this.items = this.items.filter((notice) => notice.key !== key);
  }

  destroy(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.items = [];
  }

  #clearTimer(key: number): void {
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
  }
}
