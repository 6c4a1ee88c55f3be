import { createSubscriber } from "svelte/reactivity";

/**
 * `Date.now()` for labels such as "edited 5 minutes ago": reading `now.current` inside an effect or a
 * template re-runs it every 30 s, while anything reads it (one timer for the whole page, none when nothing
 * does).
 *
 * @example
 * const label = $derived(relativeTime(doc.updatedAt, now.current));
 */
class TickingNow {
  readonly #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, 30_000);
    return () => clearInterval(timer);
  });

  get current(): number {
    this.#subscribe();
    return Date.now();
  }
}

export const now = new TickingNow();
