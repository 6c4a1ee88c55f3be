/**
 * Knows whether a peer reads what the room sends it.
 *
 * The runtime queues every message a Durable Object sends in memory until the peer's TCP window takes it,
 * without bound, and workerd as bundled by partykit 0.0.115 (1.20240718) does not expose that queue: its
 * WebSocket has no `bufferedAmount` (newer workerd, 1.2026x, does). So the room counts the bytes it hands
 * to each socket and asks for proof of reading: past `probeAfterBytes` unproven bytes it sends the peer a
 * probe, and a peer that owes more than `maxUnreadBytes` is presumed not to drain and is closed (4504).
 *
 * The probe is y-protocols' own "you were marked offline" message: an awareness entry for the peer's own
 * client id with state null and a clock the peer cannot guess. Every y-protocols client answers it by
 * re-publishing its state at that clock + 1 (`applyAwarenessUpdate` renews a local state it was told is
 * gone). The answer can only be written after reading the probe, which the socket delivers after every
 * byte sent before it, so it proves those bytes were read. Sending anything else proves nothing.
 */
export interface Probe {
  clientId: number;
  clock: number;
}

export type SentVerdict = "ok" | "probe" | "slow";

export class DrainCheck {
  readonly #probeAfterBytes: number;
  readonly #maxUnreadBytes: number;
  readonly #random: () => number;
  #sent = 0;
  #proven = 0;
  #probe: (Probe & { sentBefore: number }) | undefined;

  constructor(options: { probeAfterBytes: number; maxUnreadBytes: number; random?: () => number }) {
    this.#probeAfterBytes = options.probeAfterBytes;
    this.#maxUnreadBytes = options.maxUnreadBytes;
    this.#random = options.random ?? Math.random;
  }

  /** Bytes sent and not yet proven read. */
  get unread(): number {
    return this.#sent - this.#proven;
  }

  /** Counts a message handed to the socket: "probe" asks the caller to send one, "slow" to close the peer. */
  sent(bytes: number): SentVerdict {
    this.#sent += bytes;
    if (this.unread > this.#maxUnreadBytes) return "slow";
    return this.unread > this.#probeAfterBytes && !this.#probe ? "probe" : "ok";
  }

  /**
   * Starts a probe for the peer's own awareness id whose last clock the room knows; returns the clock to
   * send. The clock jumps by a random step so that it cannot be answered without reading it.
   */
  startProbe(clientId: number, lastClock: number): Probe {
    const clock = Math.max(0, lastClock) + 1 + Math.floor(this.#random() * 2 ** 24);
    this.#probe = { clientId, clock, sentBefore: this.#sent };
    return { clientId, clock };
  }

  /** The probe still waiting for its answer. */
  get pending(): Probe | undefined {
    return this.#probe && { clientId: this.#probe.clientId, clock: this.#probe.clock };
  }

  /** An awareness entry from the peer: if it answers the probe, everything sent before the probe was read. */
  received(clientId: number, clock: number): boolean {
    const probe = this.#probe;
    // A renewed state comes back at clock + 1; a peer whose local state is null echoes the removal itself.
    if (!probe || clientId !== probe.clientId || (clock !== probe.clock + 1 && clock !== probe.clock)) return false;
    this.#proven = Math.max(this.#proven, probe.sentBefore);
    this.#probe = undefined;
    return true;
  }
}

/**
 * What each user's sockets together owe unread. The per-socket bound alone lets one user queue that bound
 * once per socket: 32 sockets that never read would hold 32 times SLOW_READER_BYTES of the room's output.
 */
export class UnreadByUser {
  readonly #owed = new Map<string, number>();

  /** Adds `bytes` (negative when proven read, or when a socket left) to `userId`'s total; returns the total. */
  change(userId: string, bytes: number): number {
    const owed = (this.#owed.get(userId) ?? 0) + bytes;
    if (owed > 0) this.#owed.set(userId, owed);
    else this.#owed.delete(userId);
    return Math.max(0, owed);
  }
}
