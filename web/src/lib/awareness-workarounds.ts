import type { Awareness } from "y-protocols/awareness";

/*
 * Two workarounds for y-partykit's provider (which is y-websocket's code) and y-protocols' awareness.
 * `Connection` applies both; remove each once upstream behaves.
 */

interface AwarenessChanges {
  added: number[];
  updated: number[];
  removed: number[];
}

/** The part of y-partykit's provider this patch touches. */
export interface AwarenessPublisher {
  doc: { clientID: number };
  awareness: Awareness;
  _awarenessUpdateHandler: (changes: AwarenessChanges, origin: unknown) => void;
}

/**
 * Workaround: makes the provider publish only this client's own awareness state.
 *
 * y-partykit's provider (y-websocket's code) sends every awareness change it sees, including the ones it
 * has just received from the room about other people, so each peer's cursor move comes back to the room
 * from every other peer: N peers turn one move into N frames, and a room that checks that a connection
 * speaks only for its own Yjs client ids closes the echoing one (4422). Nothing is lost by not echoing:
 * other people's states reach the room from their own connections, and the room announces a closed
 * socket's removal itself. Swapping `_awarenessUpdateHandler` keeps the provider's own sending (socket and
 * BroadcastChannel), and `provider.destroy()` unregisters whatever handler is there.
 *
 * @example
 * const provider = new YPartyKitProvider(host, docId, doc, options);
 * publishOwnAwarenessOnly(provider);
 */
export function publishOwnAwarenessOnly(provider: AwarenessPublisher): void {
  const send = provider._awarenessUpdateHandler;
  const selfId = provider.doc.clientID;
  const own = (ids: number[]) => ids.filter((id) => id === selfId);
  const sendOwn = ({ added, updated, removed }: AwarenessChanges, origin: unknown): void => {
    const changes = { added: own(added), updated: own(updated), removed: own(removed) };
    if (changes.added.length + changes.updated.length + changes.removed.length > 0) send(changes, origin);
  };
  provider.awareness.off("update", send);
  provider.awareness.on("update", sendOwn);
  provider._awarenessUpdateHandler = sendOwn;
}

/**
 * Workaround: lets peers' presence come back at once after a reconnect, instead of up to 15 s later.
 *
 * When a socket closes, the provider removes every peer's awareness state but y-protocols keeps each
 * peer's last clock. On reconnect the room sends their current states, usually at that same clock, and
 * `applyAwarenessUpdate` ignores a state whose clock is not newer: the peers stay invisible until their
 * next 15 s keep-alive bumps the clock. Call this when the socket closes (before the provider's removal,
 * which the `connection-close` event precedes) to forget the peers' clocks, so their states apply again.
 */
export function forgetPeerClocks(awareness: Awareness): void {
  for (const clientId of [...awareness.meta.keys()]) if (clientId !== awareness.clientID) awareness.meta.delete(clientId);
}
