import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from "y-protocols/awareness";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { forgetPeerClocks, publishOwnAwarenessOnly, type AwarenessPublisher } from "./awareness-workarounds.ts";

describe("publishOwnAwarenessOnly", () => {
  const awarenesses: Awareness[] = [];
  afterEach(() => awarenesses.splice(0).forEach((awareness) => awareness.destroy()));

  function setup() {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    const peer = new Awareness(new Y.Doc());
    awarenesses.push(awareness, peer);
    const send = vi.fn();
    awareness.on("update", send);
    const provider: AwarenessPublisher = { doc, awareness, _awarenessUpdateHandler: send };
    publishOwnAwarenessOnly(provider);
    send.mockClear();
    return { doc, awareness, peer, send, provider };
  }

  it("still sends this client's own changes", () => {
    const { doc, awareness, send } = setup();
    awareness.setLocalStateField("cursor", { anchor: 1, head: 1 });
    expect(send).toHaveBeenCalledOnce();
    expect(send.mock.calls[0]![0]).toEqual({ added: [], updated: [doc.clientID], removed: [] });
  });

  it("does not echo what it received about other people", () => {
    const { awareness, peer, send } = setup();
    peer.setLocalStateField("cursor", { anchor: 2, head: 2 });
    applyAwarenessUpdate(awareness, encodeAwarenessUpdate(peer, [peer.clientID]), "room");
    expect(awareness.getStates().has(peer.clientID)).toBe(true);
    expect(send).not.toHaveBeenCalled();
  });

  it("leaves the provider able to unregister the handler it holds", () => {
    const { awareness, send, provider } = setup();
    awareness.off("update", provider._awarenessUpdateHandler);
    awareness.setLocalStateField("cursor", null);
    expect(send).not.toHaveBeenCalled();
  });
});

describe("forgetPeerClocks", () => {
  it("lets a peer's unchanged state apply again after a reconnect", () => {
    const awareness = new Awareness(new Y.Doc());
    const peer = new Awareness(new Y.Doc());
    peer.setLocalStateField("user", { name: "Ada" });
    const peerState = () => encodeAwarenessUpdate(peer, [peer.clientID]);
    applyAwarenessUpdate(awareness, peerState(), "room");

    // What the provider does on close, and the room on reconnect: without the workaround the state is ignored.
    removeAwarenessStates(awareness, [peer.clientID], "provider");
    applyAwarenessUpdate(awareness, peerState(), "room");
    expect(awareness.getStates().has(peer.clientID)).toBe(false);

    forgetPeerClocks(awareness);
    applyAwarenessUpdate(awareness, peerState(), "room");
    expect(awareness.getStates().get(peer.clientID)).toEqual({ user: { name: "Ada" } });
    // Our own clock is kept: peers must keep accepting our updates.
    expect(awareness.meta.has(awareness.clientID)).toBe(true);
    awareness.destroy();
    peer.destroy();
  });
});
