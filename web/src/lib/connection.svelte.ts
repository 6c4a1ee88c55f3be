import { CloseCode, FATAL_CLOSE_CODES, PARTY_NAME, closeCodeName } from "@collab/protocol";
import YPartyKitProvider from "y-partykit/provider";
import type * as Y from "yjs";
import { AbandonableWebSocket } from "./abandonable-socket.ts";
import { RECONNECT_BACKOFF, fullJitterDelay, type BackoffOptions } from "./backoff.ts";
import { ConnectRefused } from "./connect-params.ts";
import { forgetPeerClocks, publishOwnAwarenessOnly } from "./awareness-workarounds.ts";

/**
 * `connecting` until the first sync, `live` while synced and the room answers, `offline` after a drop
 * (reconnecting or failed), as soon as the browser reports offline, or when the room stops answering.
 */
export type ConnectionStatus = "connecting" | "live" | "offline";

/**
 * The room refused this client for good: a close code in `FATAL_CLOSE_CODES`, or a {@link ConnectRefused}
 * from `params` (the worker would not issue a token), which carries the close code that means the same.
 */
export interface ConnectionFailure {
  code: number;
  /** `closeCodeName(code)`, e.g. `DocumentTooLarge`. */
  name: string;
  /** The close frame's reason text, if the room sent one. */
  reason: string;
}

export interface ConnectionOptions {
  /** host[:port] of the origin that serves `/parties`; defaults to this page's own (Vite proxies it). */
  host?: string;
  /**
   * Query parameters for each attempt, e.g. `roomTokenParams` (connect-params.ts). Throwing
   * {@link ConnectRefused} stops the connection for good; anything else skips this attempt and retries.
   */
  params?: () => Promise<Record<string, string>>;
  backoff?: BackoffOptions;
  /** Called once the room (or the worker) refused us for good, with the close code. */
  onFailure?: (code: number) => void;
}

/**
 * One document's link to its room: a y-partykit provider plus the reconnect policy and a reactive status.
 *
 * Reconnects. The provider reconnects by itself after every close, but with a fixed, jitter-free schedule
 * (100 ms * 2^n, capped at `maxBackoffTime`), and it re-opens the *same* URL without calling `params` again:
 * only its public `connect()` resolves params. So this class takes reconnection over. The provider emits
 * `connection-close` synchronously, before it schedules its own retry, and that retry does nothing unless
 * `shouldConnect` is true when it fires; clearing `shouldConnect` in the close handler therefore vetoes it.
 * We then call `provider.connect()` ourselves after a full-jitter delay (see backoff.ts), which re-runs
 * `params` (a fresh room token) on every attempt. The attempt counter resets only once a connection
 * has *synced*, so a room that accepts sockets and closes them at once (RoomUnavailable) still backs off.
 *
 * Access. 4401 (token expired or invalid) reconnects with backoff, which fetches a fresh token; 4409 (role
 * changed) reconnects at once after a synced connection, since the new token carries the new role; 4403 and
 * 4404 are fatal, like a token request that answers 403/404. 4408 (the room heard nothing from us for 45 s,
 * e.g. a suspended laptop or a frozen background tab) is a drop like any other: reconnect with backoff.
 */
export class Connection {
  status = $state<ConnectionStatus>("connecting");
  /** Why we are not live, for the status badge, e.g. "room unavailable, retrying". */
  detail = $state<string | undefined>();
  failure = $state<ConnectionFailure | undefined>();
  readonly provider: YPartyKitProvider;

  readonly #params: () => Promise<Record<string, string>>;
  readonly #backoff: BackoffOptions;
  readonly #onFailure: ((code: number) => void) | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;

  constructor(docId: string, doc: Y.Doc, options: ConnectionOptions = {}) {
    this.#params = options.params ?? (async () => ({}));
    this.#backoff = options.backoff ?? RECONNECT_BACKOFF;
    this.#onFailure = options.onFailure;
    this.provider = new YPartyKitProvider(options.host ?? location.host, docId, doc, {
      party: PARTY_NAME,
      // The provider guesses ws/wss from the host name (ws only for localhost and private ranges);
      // the page's own scheme is the right answer for a same-origin socket.
      protocol: location.protocol === "https:" ? "wss" : "ws",
      params: this.#resolveParams,
      // Connect only after our listeners are attached.
      connect: false,
      // So that a socket the network left can be dropped at once (see abandonable-socket.ts).
      WebSocketPolyfill: AbandonableWebSocket,
    });
    publishOwnAwarenessOnly(this.provider);
    this.provider.on("synced", this.#onSynced);
    this.provider.on("connection-close", this.#onClose);
    window.addEventListener("online", this.#onOnline);
    window.addEventListener("offline", this.#onOffline);
    if (navigator.onLine === false) {
      this.status = "offline";
      this.detail = "your browser is offline";
    }
    this.provider.connect();
  }

  /**
   * The room stopped answering while we expected it to (see SyncTracker): whatever the socket says, nothing
   * reaches the room. Say so, and drop the socket so the usual reconnect takes over.
   */
  roomSilent(): void {
    if (this.#destroyed || this.failure) return;
    this.status = "offline";
    this.detail = "the room is not answering, reconnecting";
    (this.provider.ws as AbandonableWebSocket | null)?.abandon("the room is not answering");
  }

  /** Reconnect at once, e.g. from a "try again" button, even after a fatal close. */
  reconnectNow(): void {
    if (this.#destroyed || this.provider.ws !== null) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.failure = undefined;
    this.detail = "reconnecting";
    this.provider.connect();
  }

  destroy(): void {
    this.#destroyed = true;
    clearTimeout(this.#retryTimer);
    window.removeEventListener("online", this.#onOnline);
    window.removeEventListener("offline", this.#onOffline);
    // destroy() closes the socket and clears the provider's listeners, so our close handler does not run.
    this.provider.destroy();
    // The provider never destroys the awareness it created; that would leave its 15 s timer running.
    this.provider.awareness.destroy();
  }

  #resolveParams = async (): Promise<Record<string, string>> => {
    let params: Record<string, string>;
    try {
      params = await this.#params();
    } catch (error) {
      if (error instanceof ConnectRefused) {
        if (!this.#destroyed) this.#fail(error.code, error.reason);
        return never();
      }
      if (navigator.onLine !== false) console.warn("Could not prepare the room connection; will retry", error);
      if (!this.#destroyed) {
        this.status = "offline";
        this.detail = navigator.onLine === false ? "your browser is offline" : "could not prepare the connection, retrying";
        this.#scheduleReconnect();
      }
      return never();
    }
    // Destroyed while we awaited: resolving would open a socket on a dead provider.
    return this.#destroyed ? never() : params;
  };

  #onSynced = (synced: boolean): void => {
    if (!synced || navigator.onLine === false) return;
    this.#attempt = 0;
    this.status = "live";
    this.detail = undefined;
    this.failure = undefined;
  };

  #onClose = (event: CloseEvent): void => {
    if (this.#destroyed) return;
    // Veto the provider's own retry (see the class comment).
    this.provider.shouldConnect = false;
    forgetPeerClocks(this.provider.awareness);
    this.status = "offline";
    const name = closeCodeName(event.code);
    if (FATAL_CLOSE_CODES.has(event.code)) return this.#fail(event.code, event.reason);
    if (navigator.onLine === false) {
      this.detail = "your browser is offline";
      return this.#scheduleReconnect();
    }
    if (event.code === CloseCode.RoleChanged) {
      this.detail = "role changed, reconnecting";
      // Straight back after a synced connection; a room that keeps saying 4409 still gets backoff.
      if (this.#attempt === 0) {
        this.#attempt++;
        this.provider.connect();
        return;
      }
    } else if (event.code === CloseCode.Unauthorized) this.detail = "session token expired, reconnecting";
    else if (event.code === CloseCode.Idle) this.detail = "connection went quiet, reconnecting";
    else if (event.code === CloseCode.RoomUnavailable) this.detail = "room unavailable, retrying";
    else if (name) this.detail = `${name}, retrying`;
    else this.detail = "reconnecting";
    this.#scheduleReconnect();
  };

  #fail(code: number, reason: string): void {
    this.status = "offline";
    const name = closeCodeName(code) ?? String(code);
    this.failure = { code, name, reason };
    this.detail = `disconnected: ${name}`;
    this.#onFailure?.(code);
  }

  #onOffline = (): void => {
    if (this.#destroyed || this.failure) return;
    // Browsers keep an open socket for a while after the network is gone (a loopback one indefinitely):
    // never show Live while the browser says nothing can reach the room. Closing it also stops sends that
    // would vanish; the reconnect attempts wait for the network (token requests fail until then).
    this.status = "offline";
    this.detail = "your browser is offline";
    (this.provider.ws as AbandonableWebSocket | null)?.abandon("the browser is offline");
  };

  #onOnline = (): void => {
    // The network is back: waiting out a 10 s backoff would only look broken. (The socket the network left
    // was abandoned when it went, so nothing waits for its close.)
    this.#attempt = 0;
    if (this.#retryTimer !== undefined) this.reconnectNow();
  };

  #scheduleReconnect(): void {
    clearTimeout(this.#retryTimer);
    const delay = fullJitterDelay(this.#attempt++, this.#backoff);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#destroyed) this.provider.connect();
    }, delay);
  }
}

/**
 * A promise that never settles. Returned from `params` to abandon a connection attempt quietly: the provider
 * turns a rejection into an unhandled error, while a pending promise is simply garbage-collected.
 */
function never(): Promise<never> {
  return new Promise<never>(() => {});
}
