import { DocRoot, FATAL_CLOSE_CODES, PARTY_NAME, ROOM_PATH_PREFIX, ROOM_TOKEN_PARAM } from "@collab/protocol";
import { once } from "node:events";
import WebSocket from "ws";
import YPartyKitProvider from "y-partykit/provider";
import * as Y from "yjs";

/**
 * Test clients that speak to a real room over real sockets, as the browser does.
 * Node has a global BroadcastChannel: providers in one process would sync through it without the server,
 * so every provider here disables it.
 */

export interface TestClient {
  doc: Y.Doc;
  text: Y.Text;
  provider: YPartyKitProvider;
  /** Resolves when the first sync with the room completed. */
  synced: Promise<void>;
  /** Stops reconnecting (the socket, if open, stays). */
  stop(): void;
  destroy(): void;
}

export interface ClientOptions {
  name?: string;
  /** Fetches a room token for every (re)connect. */
  token?: () => Promise<string>;
}

export function connectClient(partyUrl: string, docId: string, options: ClientOptions = {}): TestClient {
  const doc = new Y.Doc();
  const { token } = options;
  let stopped = false;
  const provider = new YPartyKitProvider(new URL(partyUrl).host, docId, doc, {
    party: PARTY_NAME,
    disableBc: true,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    // y-partykit's provider opens its socket once the params resolve, even if it was destroyed meanwhile:
    // a client stopped while its token is on the way must never connect.
    params: token
      ? async () => {
          const value = await token();
          return stopped ? new Promise<never>(() => {}) : { [ROOM_TOKEN_PARAM]: value };
        }
      : undefined,
  });
  if (options.name) provider.awareness.setLocalStateField("user", { id: options.name, name: options.name });
  // As the web client does: y-partykit's own retry reopens the old URL with the old token, so reconnect
  // through connect(), which asks for a fresh token; never after a fatal close code.
  if (token) {
    provider.on("connection-close", (event: { code: number } | null) => {
      provider.shouldConnect = false;
      if (stopped || (event && FATAL_CLOSE_CODES.has(event.code))) return;
      setTimeout(() => stopped || provider.connect(), 50 + Math.random() * 100);
    });
  }
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    else provider.once("synced", () => resolve());
  });
  return {
    doc,
    text: doc.getText(DocRoot.content),
    provider,
    synced,
    stop: () => {
      stopped = true;
      provider.shouldConnect = false;
    },
    destroy: () => {
      stopped = true;
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Polls `predicate` until it holds, failing with `message` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, message: string, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - started;
}

/** Like {@link waitFor}, for a condition that has to ask a server. */
export async function waitForAsync(predicate: () => Promise<boolean>, message: string, timeoutMs = 10_000, intervalMs = 50): Promise<number> {
  const started = performance.now();
  while (!(await predicate())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return performance.now() - started;
}

/** A plain WebSocket to a room, for sending bytes no well-behaved provider would. */
export async function rawSocket(partyUrl: string, docId: string, token?: string): Promise<RawSocket> {
  const query = token ? `?${ROOM_TOKEN_PARAM}=${encodeURIComponent(token)}` : "";
  const url = `${partyUrl.replace(/^http/, "ws")}${ROOM_PATH_PREFIX}${docId}${query}`;
  const socket = new WebSocket(url);
  socket.binaryType = "nodebuffer";
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const received: Buffer[] = [];
  socket.on("message", (data) => received.push(data as Buffer));
  // An invalid frame from the server (say, a close reason past 123 bytes) is an 'error' event, which
  // without a listener throws out of the test run; with one, the socket closes with 1006, which tests see.
  socket.on("error", () => {});
  await once(socket, "open");
  return { socket, closed, received };
}

export interface RawSocket {
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  received: Buffer[];
}
