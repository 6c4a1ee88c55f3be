import type { ActiveUser, Logger } from "@collab/protocol";
import type { PresenceStore } from "@collab/presence";

export interface PresencePublisherOptions {
  /** How long published users stay without a refresh: a crashed room's users vanish within it. */
  ttlSeconds: number;
  /** Joins and leaves within this window are published together. */
  debounceMs?: number;
  log: Logger;
}

/**
 * Tells the presence store (Redis or the lobby party) who is in this room. Only the set of users and their
 * connection counts matter, never cursor moves; changes are coalesced for `debounceMs` and the entry is
 * refreshed every third of the TTL while anyone is here. Publishing is fire-and-forget, off the editing
 * path: a failed publish is logged and repaired by the next refresh.
 */
export class PresencePublisher {
  #store: PresenceStore;
  #docId: string;
  #ttlSeconds: number;
  #debounceMs: number;
  #logger: Logger;
  #users: ActiveUser[] = [];
  #published = "[]";
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #refresh: ReturnType<typeof setInterval> | undefined;

  constructor(store: PresenceStore, docId: string, options: PresencePublisherOptions) {
    this.#store = store;
    this.#docId = docId;
    this.#ttlSeconds = options.ttlSeconds;
    this.#debounceMs = options.debounceMs ?? 250;
    this.#logger = options.log;
  }

  /** The room's users now; published after the debounce if they differ from what was published. */
  update(users: ActiveUser[]): void {
    this.#users = users;
    this.#debounce ??= setTimeout(() => {
      this.#debounce = undefined;
      const key = keyOf(this.#users);
      if (key !== this.#published) this.#publish();
    }, this.#debounceMs);
  }

  /**
   * Removes the room's entry now (the document was deleted). Awaited by the delete command: a request to
   * the lobby left running when the command's own request ends is cut by workerd ("disconnected").
   */
  clear(): Promise<void> {
    clearTimeout(this.#debounce);
    this.#debounce = undefined;
    this.#users = [];
    return this.#publish();
  }

  /** Settles once the store answered; a failure is logged, never thrown (the next refresh repairs it). */
  #publish(): Promise<void> {
    const users = this.#users;
    this.#published = keyOf(users);
    if (users.length === 0) {
      clearInterval(this.#refresh);
      this.#refresh = undefined;
      return this.#store.clear(this.#docId).catch((error) => this.#log(error));
    }
    this.#refresh ??= setInterval(() => this.#publish(), (this.#ttlSeconds * 1000) / 3);
    return this.#store.publish(this.#docId, users, this.#ttlSeconds).catch((error) => this.#log(error));
  }

  #log(error: unknown): void {
    this.#logger.error("presence publish failed (the next refresh repairs it)", { error });
  }
}

function keyOf(users: ActiveUser[]): string {
  return JSON.stringify([...users].sort((a, b) => a.id.localeCompare(b.id)));
}
