import type YPartyKitProvider from "y-partykit/provider";
import * as Y from "yjs";
import { covers, probeFrame, raise, readRoomSyncMessage, updateEnds, type StateVector } from "./room-acks.ts";

export interface SyncTrackerOptions {
  /** Updates with these origins came from the room or the local copy, not from this person. */
  isRemote: (origin: unknown) => boolean;
  /** A probe unanswered this long means the room cannot hear us, even if the socket looks open. */
  livenessMs?: number;
  /** After a local change, wait this long for more before asking (one probe per burst of typing). */
  probeDelayMs?: number;
  /** While nothing is typed, ask this often anyway, so a dead connection is noticed. */
  keepaliveMs?: number;
  onUnsyncedChange?: (unsynced: number) => void;
  /** The room stopped answering (see `livenessMs`). */
  onSilent?: () => void;
}

interface Probe {
  /** Local changes made before it was sent; undefined for the provider's own step 1 on open. */
  changes: number | undefined;
  /** Our state vector when it was sent. */
  local: StateVector | undefined;
  sentAt: number;
}

/**
 * Counts this person's changes that the room has not acknowledged, and notices when the room stops answering.
 *
 * Acknowledged means the room holds them, read from the room's own answers, never guessed from a send:
 * - After a burst of local changes (and every `keepaliveMs` anyway) we send the room a sync step 1, built so
 *   that its answer (a step 2) carries the room's copy of our not-yet-acknowledged insertions
 *   (`probeFrame`). The room answers every step 1, in order, on the same socket.
 * - A probe acknowledges the changes made before it when (1) the state vector the room has shown us so far
 *   (its step 1 on connect, raised by the ends of every update it sent since, the answer included) covers
 *   our state vector as it was when the probe left: every insertion is in the room; and (2) its answer
 *   arrived on the socket that carried the changes. Deletions add no items, so no state vector can show
 *   them; they are covered by order: the room handles one socket's frames in order and holds every answer
 *   until the frames before it are in durable storage (group commit), so the answer to a probe sent after
 *   a deletion proves that the deletion is stored. A change made offline reaches the room in the provider's
 *   step 2 after reconnecting, and our probe goes out right after that.
 * - The count is the number of local transactions since the last acknowledgement. It is kept in the local
 *   copy, so a reload shows the changes that are still waiting.
 * - A probe left unanswered for `livenessMs` means the room does not hear us (a half-open socket, a dead
 *   network the browser has not noticed): `onSilent`, and the connection is dropped and retried.
 */
export class SyncTracker {
  /** Local changes the room has not acknowledged. */
  unsynced = $state(0);

  readonly #doc: Y.Doc;
  readonly #provider: YPartyKitProvider;
  readonly #options: Required<Pick<SyncTrackerOptions, "livenessMs" | "probeDelayMs" | "keepaliveMs">> & SyncTrackerOptions;
  #changes: number;
  #acked = 0;
  /** A lower bound of the room's state vector, from what it sent us. */
  readonly #room: StateVector = new Map();
  #socket: WebSocket | null = null;
  /** The room greeted this socket with its step 1: probes may go (after the provider's answer to it). */
  #greeted = false;
  #probes: Probe[] = [];
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #tick: ReturnType<typeof setInterval>;
  #lastProbe = 0;

  constructor(doc: Y.Doc, provider: YPartyKitProvider, options: SyncTrackerOptions) {
    this.#doc = doc;
    this.#provider = provider;
    this.#options = {
      ...options,
      livenessMs: options.livenessMs ?? 10_000,
      probeDelayMs: options.probeDelayMs ?? 200,
      keepaliveMs: options.keepaliveMs ?? 15_000,
    };
    this.#changes = 0;
    doc.on("update", this.#onUpdate);
    provider.on("status", this.#onStatus);
    this.#tick = setInterval(this.#check, 1_000);
  }

  /** Adds changes a previous page left unacknowledged (kept in the local copy). */
  restore(unsynced: number): void {
    this.#changes += unsynced;
    this.#publish();
    if (this.#greeted && this.#probes.length === 0) this.#probe();
  }

  destroy(): void {
    clearInterval(this.#tick);
    clearTimeout(this.#probeTimer);
    this.#doc.off("update", this.#onUpdate);
    this.#provider.off("status", this.#onStatus);
    this.#detach();
  }

  #onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (this.#options.isRemote(origin)) return;
    this.#changes++;
    this.#publish();
    this.#probeTimer ??= setTimeout(() => {
      this.#probeTimer = undefined;
      this.#probe();
    }, this.#options.probeDelayMs);
  };

  #onStatus = ({ status }: { status: string }): void => {
    // The provider creates its socket, adds its own listeners, then says "connecting": ours run after its.
    if (status === "connecting" && this.#provider.ws !== this.#socket) this.#attach(this.#provider.ws);
  };

  #attach(socket: WebSocket | null): void {
    this.#detach();
    this.#socket = socket;
    if (!socket) return;
    socket.addEventListener("open", this.#onOpen);
    socket.addEventListener("message", this.#onMessage);
    socket.addEventListener("close", this.#onSocketClose);
  }

  #detach(): void {
    const socket = this.#socket;
    socket?.removeEventListener("open", this.#onOpen);
    socket?.removeEventListener("message", this.#onMessage);
    socket?.removeEventListener("close", this.#onSocketClose);
    this.#socket = null;
    this.#greeted = false;
    // Answers to these can no longer arrive; their changes are re-sent by the next connection's sync.
    this.#probes = [];
  }

  #onOpen = (): void => {
    // The provider sent its step 1 from its own open listener, just before this one.
    this.#probes.push({ changes: undefined, local: undefined, sentAt: Date.now() });
  };

  #onSocketClose = (): void => this.#detach();

  #onMessage = (event: MessageEvent): void => {
    if (!(event.data instanceof ArrayBuffer)) return;
    const message = readRoomSyncMessage(new Uint8Array(event.data));
    if (!message) return;
    if (message.kind === "step1") {
      raise(this.#room, message.stateVector);
      this.#greeted = true;
      // The provider has just answered it with everything the room lacks; ask right behind that answer.
      this.#probe();
      return;
    }
    raise(this.#room, updateEnds(message.update));
    if (message.kind === "update") return;
    const probe = this.#probes.shift();
    if (probe?.changes !== undefined && probe.local && covers(this.#room, probe.local) && probe.changes > this.#acked) {
      this.#acked = probe.changes;
      this.#publish();
    }
  };

  #probe(): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.#greeted) return;
    const local = Y.decodeStateVector(Y.encodeStateVector(this.#doc));
    socket.send(probeFrame(local, this.#room));
    this.#probes.push({ changes: this.#changes, local, sentAt: Date.now() });
    this.#lastProbe = Date.now();
  }

  #check = (): void => {
    const now = Date.now();
    // Still sending (a large paste goes out in 1 MB slices): the room cannot have answered yet, and its
    // silence only counts from when everything has left this browser.
    if (this.#socket && this.#socket.bufferedAmount > 0) for (const probe of this.#probes) probe.sentAt = now;
    const oldest = this.#probes[0];
    if (oldest && now - oldest.sentAt > this.#options.livenessMs) {
      this.#detach();
      this.#options.onSilent?.();
      return;
    }
    if (this.#greeted && now - this.#lastProbe > this.#options.keepaliveMs) this.#probe();
    // Something was missed (e.g. changes made while a probe was in flight): ask again.
    else if (this.#greeted && this.#acked < this.#changes && this.#probes.length === 0) this.#probe();
  };

  #publish(): void {
    const unsynced = this.#changes - this.#acked;
    if (unsynced === this.unsynced) return;
    this.unsynced = unsynced;
    this.#options.onUnsyncedChange?.(unsynced);
  }
}
