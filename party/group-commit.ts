/**
 * Durability without a write per keystroke. Every message the room sends waits here for the end of the
 * current event-loop turn (setTimeout 0); then `commit` issues ONE storage write for all the updates that
 * arrived meanwhile, and the held messages are sent in that same turn. The runtime's output gate does the
 * rest: messages sent in a turn that wrote to storage leave only once the write is durable, and if it fails
 * the object is reset and they never leave. So no peer ever sees an edit that a crash could lose.
 *
 * Every send is held, not only those that carry updates: y-partykit broadcasts an update before the room's
 * own update listener runs, so the room cannot tell in time which messages depend on a write.
 */
/** The one thing the commit needs of a socket. */
export interface Sendable {
  send(data: Uint8Array | ArrayBuffer | string): void;
}

export class GroupCommit {
  #commit: () => void;
  #held: { socket: Sendable; data: Uint8Array | ArrayBuffer | string }[] = [];
  #scheduled = false;

  /** @param commit Issues the storage write for everything queued since the last call (not awaited). */
  constructor(commit: () => void) {
    this.#commit = commit;
  }

  /** Holds a message until the next commit. */
  send(socket: Sendable, data: Uint8Array | ArrayBuffer | string): void {
    this.#held.push({ socket, data });
    this.schedule();
  }

  /** Arranges a commit at the end of this turn (for updates that no held message depends on). */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => this.flush(), 0);
  }

  /** Commits now and releases the held messages, in this turn. */
  flush(): void {
    this.#scheduled = false;
    this.#commit();
    const held = this.#held;
    this.#held = [];
    for (const { socket, data } of held) {
      try {
        socket.send(data);
      } catch {
        // The socket closed while its message waited; its close handler cleans up.
      }
    }
  }
}
