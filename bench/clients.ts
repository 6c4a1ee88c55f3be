import { DocRoot } from "@collab/protocol";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import WebSocket from "ws";
import YPartyKitProvider from "y-partykit/provider";
import * as Y from "yjs";

/**
 * Simulated users. Each is its own Y.Doc with a real provider over its own WebSocket, speaking what the
 * browser speaks. Node has a global BroadcastChannel, so providers in one process would sync through it
 * without the server: it is disabled on every provider.
 */

/** The wire protocol a server speaks: y-websocket's (our room, y-partykit, @y/websocket-server) or Hocuspocus's. */
export type WireProtocol = "y-websocket" | "hocuspocus";

export interface Target {
  /** Shown in tables, e.g. "collab" or "y-websocket-server". */
  name: string;
  /** http(s):// or ws(s):// origin of the server; wss/https is used for TLS deployments. */
  url: string;
  protocol: WireProtocol;
  /** Rooms live at `/parties/<party>/<docId>` (PartyKit's layout; @y/websocket-server accepts any path). */
  party?: string;
  /**
   * Extra query parameters per connection, asked for on every (re)connect: where a room token goes once
   * accounts exist (`{ token }` from the REST API). Nothing is needed today.
   */
  params?: (docId: string) => Promise<Record<string, string>>;
  /** Called with a scenario's room ids before anyone connects, e.g. to make them documents in the database. */
  prepare?: (docIds: string[]) => Promise<void>;
}

export interface BenchClient {
  doc: Y.Doc;
  text: Y.Text;
  /** Resolves when the first sync with the room completed. */
  synced: Promise<void>;
  /** Times the socket dropped after it had been open. */
  drops(): number;
  destroy(): void;
}

export type ClientFactory = (docId: string) => BenchClient;

// y-websocket's provider adds a process "exit" listener per instance (to clear its presence); hundreds of
// simulated users in one process are expected, not a leak.
process.setMaxListeners(0);

export function clientFactory(target: Target): ClientFactory {
  return target.protocol === "hocuspocus" ? (docId) => hocuspocusClient(target, docId) : (docId) => partyClient(target, docId);
}

function partyClient(target: Target, docId: string): BenchClient {
  const doc = new Y.Doc();
  const url = new URL(target.url);
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const provider = new YPartyKitProvider(url.host, docId, doc, {
    party: target.party ?? "main",
    protocol: secure ? "wss" : "ws",
    disableBc: true,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    ...(target.params ? { params: () => target.params!(docId) } : {}),
  });
  let drops = 0;
  let wasConnected = false;
  provider.on("status", ({ status }: { status: string }) => {
    if (status === "connected") wasConnected = true;
    else if (status === "disconnected" && wasConnected) drops++;
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    else provider.once("synced", () => resolve());
  });
  return {
    doc,
    text: doc.getText(DocRoot.content),
    synced,
    drops: () => drops,
    destroy: () => {
      wasConnected = false;
      try {
        provider.destroy();
      } catch {
        // The provider cannot destroy itself once Yjs changed the doc's client id (someone wrote under it:
        // the forged-client-id attack); close its socket instead.
        provider.shouldConnect = false;
        provider.ws?.close();
      }
      doc.destroy();
    },
  };
}

function hocuspocusClient(target: Target, docId: string): BenchClient {
  const doc = new Y.Doc();
  let drops = 0;
  let wasConnected = false;
  let resolveSynced: () => void;
  const synced = new Promise<void>((resolve) => (resolveSynced = resolve));
  // One socket per simulated user, as one browser tab has (Hocuspocus can multiplex documents on one).
  const socket = new HocuspocusProviderWebsocket({ url: target.url.replace(/^http/, "ws"), WebSocketPolyfill: WebSocket });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: docId,
    document: doc,
    ...(target.params ? { token: async () => (await target.params!(docId)).token ?? "" } : {}),
    onSynced: () => resolveSynced(),
    onConnect: () => (wasConnected = true),
    onDisconnect: () => {
      if (wasConnected) drops++;
    },
  });
  // A provider on a socket it did not create waits to be attached (that is how Hocuspocus multiplexes).
  provider.attach();
  return {
    doc,
    text: doc.getText(DocRoot.content),
    synced,
    drops: () => drops,
    destroy: () => {
      wasConnected = false;
      provider.destroy();
      socket.destroy();
      doc.destroy();
    },
  };
}
