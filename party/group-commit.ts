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

export interface GroupCommitOptions {
  /**
   * TEST ONLY (`UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT`): messages leave at once and the storage write follows
   * `unsafeCommitDelayMs` later, as a debounced save would. This loses acknowledged edits on a crash; it
   * exists so the durability test can show it detects that.
   */
  unsafeCommitDelayMs?: number;
}

export class GroupCommit {
  #commit: () => void;
  #held: { socket: Sendable; data: Uint8Array | ArrayBuffer | string }[] = [];
  #scheduled = false;
  #halted = false;
  #unsafeDelayMs: number | undefined;

  /** @param commit Issues the storage write for everything queued since the last call (not awaited). */
  constructor(commit: () => void, options: GroupCommitOptions = {}) {
    this.#commit = commit;
    this.#unsafeDelayMs = options.unsafeCommitDelayMs;
  }

  /** Messages waiting for the next commit (or for storage to come back). */
  get heldCount(): number {
    return this.#held.length;
  }

  /** Holds a message until the next commit. */
  send(socket: Sendable, data: Uint8Array | ArrayBuffer | string): void {
    if (this.#unsafeDelayMs !== undefined && !this.#halted) {
      release([{ socket, data }]);
      this.schedule();
      return;
    }
    this.#held.push({ socket, data });
    this.schedule();
  }

  /** Arranges a commit at the end of this turn (for updates that no held message depends on). */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => this.flush(), this.#unsafeDelayMs ?? 0);
  }

  /**
   * Commits now and releases the held messages, in this turn; unless storage failed (now, or before):
   * then they stay held until {@link resume}.
   */
  flush(): void {
    this.#scheduled = false;
    if (!this.#halted) this.#commit();
    // The commit itself may have halted (a write that could not be issued): what it held must not leave.
    if (this.#halted) return;
    const held = this.#held;
    this.#held = [];
    release(held);
  }

  /**
   * Storage failed: from now on nothing leaves. Messages already released in an earlier turn are the output
   * gate's business (the runtime resets the object when a write it gated fails).
   */
  halt(): void {
    this.#halted = true;
  }

  /** Storage holds everything again (the caller wrote the full state): release what waited. */
  resume(): void {
    if (!this.#halted) return;
    this.#halted = false;
    this.flush();
  }
}

function release(messages: { socket: Sendable; data: Uint8Array | ArrayBuffer | string }[]): void {
  for (const { socket, data } of messages) {
    try {
      socket.send(data);
    } catch {
      // The socket closed while its message waited; its close handler cleans up.
    }
  }
}
