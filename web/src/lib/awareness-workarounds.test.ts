import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import YPartyKitProvider from "y-partykit/provider";
import { Awareness, encodeAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import { forgetPeerClocks, publishOwnAwarenessOnly } from "./awareness-workarounds.ts";

/*
 * The workarounds against the real y-partykit provider: if upstream renames what they patch, or fixes what
 * they work around, these tests say so. The only stand-in is the socket, which records what the provider
 * sends and lets the test play the room.
 */

const MESSAGE_AWARENESS = 1;

/** The socket the provider opens: records frames, and the test opens it, closes it and speaks for the room. */
class RoomSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static last: RoomSocket | undefined;
  readonly OPEN = RoomSocket.OPEN;
  readyState = RoomSocket.CONNECTING;
  binaryType = "arraybuffer";
  readonly sent: Uint8Array[] = [];
  readonly #listeners = new Map<string, ((event: unknown) => void)[]>();

  constructor(readonly url: string) {
    RoomSocket.last = this;
  }

  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: Uint8Array): void {
    this.sent.push(new Uint8Array(data));
  }

  close(): void {
    if (this.readyState === RoomSocket.CLOSED) return;
    this.readyState = RoomSocket.CLOSED;
    this.#emit("close", { code: 1000, reason: "" });
  }

  open(): void {
    this.readyState = RoomSocket.OPEN;
    this.#emit("open", {});
  }

  /** A frame from the room. */
  receive(frame: Uint8Array): void {
    this.#emit("message", { data: frame.slice().buffer });
  }

  /** The client ids of every awareness frame sent so far. */
  awarenessSent(): number[][] {
    return this.sent.filter((frame) => frame[0] === MESSAGE_AWARENESS).map(awarenessClients);
  }

  #emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
}

const providers: YPartyKitProvider[] = [];

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  providers.splice(0).forEach((provider) => provider.destroy());
  vi.useRealTimers();
});

/** A real provider on a socket of the test's, opened. */
async function connected(options: { workaround: boolean }): Promise<{ provider: YPartyKitProvider; socket: () => RoomSocket }> {
  const provider = new YPartyKitProvider("127.0.0.1:1999", "doc", new Y.Doc(), {
    WebSocketPolyfill: RoomSocket as unknown as typeof WebSocket,
    // Node has a BroadcastChannel: two providers in one process would sync through it.
    disableBc: true,
  });
  providers.push(provider);
  if (options.workaround) publishOwnAwarenessOnly(provider);
  await vi.waitFor(() => expect(RoomSocket.last?.url).toContain("/parties/main/doc"));
  RoomSocket.last!.open();
  return { provider, socket: () => RoomSocket.last! };
}

/** What the room relays about another person: their awareness state, as a frame. */
function peerFrame(peer: Awareness): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(peer, [peer.clientID]));
  return encoding.toUint8Array(encoder);
}

function awarenessClients(frame: Uint8Array): number[] {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarUint(decoder);
  const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
  return Array.from({ length: decoding.readVarUint(update) }, () => {
    const clientId = decoding.readVarUint(update);
    decoding.readVarUint(update);
    decoding.readVarString(update);
    return clientId;
  });
}

describe("publishOwnAwarenessOnly", () => {
  it("upstream still echoes other people's awareness back to the room (the workaround is still needed)", async () => {
    const { socket } = await connected({ workaround: false });
    const peer = new Awareness(new Y.Doc());
    peer.setLocalStateField("cursor", { anchor: 2, head: 2 });
    socket().receive(peerFrame(peer));
    expect(socket().awarenessSent()).toContainEqual([peer.clientID]);
    peer.destroy();
  });

  it("sends this client's own changes and never echoes what it received about other people", async () => {
    const { provider, socket } = await connected({ workaround: true });
    const peer = new Awareness(new Y.Doc());
    peer.setLocalStateField("cursor", { anchor: 2, head: 2 });
    socket().receive(peerFrame(peer));
    expect(provider.awareness.getStates().has(peer.clientID)).toBe(true);
    const before = socket().awarenessSent().length;
    provider.awareness.setLocalStateField("cursor", { anchor: 1, head: 1 });
    const sent = socket().awarenessSent();
    expect(sent.length).toBe(before + 1);
    // Every awareness frame, the one the provider sends when the socket opens included, is ours alone.
    expect(sent.every((ids) => ids.length === 1 && ids[0] === provider.doc.clientID)).toBe(true);
    peer.destroy();
  });

  it("leaves the provider able to unregister the handler it holds on destroy", async () => {
    const { provider, socket } = await connected({ workaround: true });
    provider.destroy();
    const before = socket().sent.length;
    provider.awareness.setLocalStateField("cursor", null);
    expect(socket().sent.length).toBe(before);
  });
});

describe("forgetPeerClocks", () => {
  /** Connected, a peer seen, the socket dropped and reopened, and the room sending the peer's unchanged state. */
  async function reconnectWithPeer(workaround: boolean): Promise<boolean> {
    const { provider, socket } = await connected({ workaround: true });
    // As connection.svelte.ts does: the provider emits `connection-close` before it removes the peers.
    if (workaround) provider.on("connection-close", () => forgetPeerClocks(provider.awareness));
    const peer = new Awareness(new Y.Doc());
    peer.setLocalStateField("user", { name: "Ada" });
    socket().receive(peerFrame(peer));
    expect(provider.awareness.getStates().has(peer.clientID)).toBe(true);
    const first = socket();
    first.close();
    expect(provider.awareness.getStates().has(peer.clientID)).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket()).not.toBe(first);
    socket().open();
    socket().receive(peerFrame(peer));
    const seen = provider.awareness.getStates().has(peer.clientID);
    // Our own clock is kept either way: peers must keep accepting our updates.
    expect(provider.awareness.meta.has(provider.doc.clientID)).toBe(true);
    peer.destroy();
    return seen;
  }

  it("upstream ignores a peer's unchanged state after a reconnect (the workaround is still needed)", async () => {
    expect(await reconnectWithPeer(false)).toBe(false);
  });

  it("lets a peer's unchanged state apply again after a reconnect", async () => {
    expect(await reconnectWithPeer(true)).toBe(true);
  });
});
