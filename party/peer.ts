import type * as Party from "partykit/server";
import { closeReason } from "@collab/protocol";
import type { GroupCommit } from "./group-commit.ts";

type Listener = (event: { data: unknown }) => void;

/**
 * The connection as y-partykit sees it. y-partykit only needs `addEventListener("message" | "close")`,
 * `send`, `close` and `readyState`; standing between it and the socket lets the room check every frame
 * before y-partykit reads it, hold every outgoing message for the group commit, and tell y-partykit a
 * socket is gone as soon as the room closes it (the runtime's close event may come much later, or never
 * for a peer that vanished).
 */
export class Peer {
  readonly socket: Party.Connection;
  #commit: GroupCommit;
  #messageListeners: Listener[] = [];
  #closeListeners: Listener[] = [];
  #closed = false;
  #socketClosed = false;
  /** Told the size of every message handed to this socket, in the order they leave (the drain check). */
  #onSend: (bytes: number) => void;

  constructor(socket: Party.Connection, commit: GroupCommit, onSend: (bytes: number) => void = () => {}) {
    this.socket = socket;
    this.#commit = commit;
    this.#onSend = onSend;
  }

  get readyState(): number {
    return this.#closed ? WebSocket.CLOSED : this.socket.readyState;
  }

  addEventListener(type: string, listener: Listener): void {
    if (type === "message") this.#messageListeners.push(listener);
    else if (type === "close") this.#closeListeners.push(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    if (type === "message") this.#messageListeners = this.#messageListeners.filter((l) => l !== listener);
    else if (type === "close") this.#closeListeners = this.#closeListeners.filter((l) => l !== listener);
  }

  send(data: Uint8Array | ArrayBuffer | string): void {
    if (this.#closed) return;
    this.#commit.send(this.socket, data);
    this.#onSend(typeof data === "string" ? data.length : data.byteLength);
  }

  /**
   * Closes the socket and forgets the peer at once (its awareness is removed for everyone). The socket is
   * closed once only: y-partykit answers the close event by calling close() again, without a code, and a
   * second close of a closing socket makes workerd log "Uncaught exception ... disconnected". But a peer
   * forgotten first (its close event, which partykit may deliver for a reconnected socket that reuses the
   * id) must still close its socket when y-partykit asks: otherwise the socket stays open and receives
   * nothing, and its client, which sees a live connection, never resyncs.
   */
  close(code?: number, reason?: string): void {
    if (!this.#socketClosed) {
      this.#socketClosed = true;
      try {
        this.socket.close(code, reason === undefined ? undefined : closeReason(reason));
      } catch {
        // Already closed.
      }
    }
    this.disconnected();
  }

  /** Hands a checked frame to y-partykit. */
  deliver(data: ArrayBuffer): void {
    if (this.#closed) return;
    for (const listener of this.#messageListeners) listener({ data });
  }

  /** The socket is gone (closed by either side, or errored). Idempotent. */
  disconnected(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of this.#closeListeners) listener({ data: undefined });
  }
}
