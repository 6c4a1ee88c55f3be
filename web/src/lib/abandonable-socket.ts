type Listener = EventListenerOrEventListenerObject;

/**
 * A WebSocket the client can give up on at once. Closing a socket whose network is gone (the browser went
 * offline, or a half-open connection that no longer reaches the room) waits for a closing handshake that
 * never comes: Chromium reported the close 38-48 s later, and y-partykit's provider, which only moves on at
 * the close event, kept the dead socket and did not reconnect until then, long after the network was back.
 *
 * {@link abandon} delivers a close event to the socket's listeners at once (what the provider needs to drop
 * it and what our reconnect policy reacts to), then closes the real socket and silences every event it
 * sends afterwards, so its late real close cannot tear down the socket that replaced it.
 *
 * @example
 * new YPartyKitProvider(host, room, doc, { WebSocketPolyfill: AbandonableWebSocket });
 * (provider.ws as AbandonableWebSocket | null)?.abandon("the room is not answering");
 */
export class AbandonableWebSocket extends WebSocket {
  #abandoned = false;
  readonly #wrapped = new Map<Listener, Listener>();

  override addEventListener(type: string, listener: Listener | null, options?: boolean | AddEventListenerOptions): void {
    if (!listener) return;
    const wrapped: Listener = (event: Event) => {
      if (this.#abandoned) return;
      if (typeof listener === "function") listener.call(this, event);
      else listener.handleEvent(event);
    };
    this.#wrapped.set(listener, wrapped);
    super.addEventListener(type, wrapped, options);
  }

  override removeEventListener(type: string, listener: Listener | null, options?: boolean | EventListenerOptions): void {
    const wrapped = listener && this.#wrapped.get(listener);
    if (wrapped) super.removeEventListener(type, wrapped, options);
  }

  /** True once {@link abandon} ran: the socket is gone as far as its listeners know. */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  abandon(reason: string): void {
    if (this.#abandoned) return;
    // 1006: closed without a close frame, which is what happened (CloseEvent refuses to construct other
    // reserved codes, and 1006 is the one a dropped network reports).
    this.dispatchEvent(new CloseEvent("close", { code: 1006, reason, wasClean: false }));
    this.#abandoned = true;
    try {
      this.close();
    } catch {
      // Already closing.
    }
  }
}
