import * as Y from "yjs";
import type { Random } from "../../random.ts";
import { connectClient, type TestClient } from "../clients.ts";
import { token, tokensIn, type Ledger } from "./ledger.ts";

/**
 * A well-behaved editor, as a browser tab is: a real provider over a real socket, a Y.UndoManager for its own
 * edits, and moments offline. Every insert is a fresh marker token; what it receives from others goes to the
 * ledger (see ledger.ts).
 */
export class HonestClient {
  /** Unique per incarnation: a client that leaves and comes back is a new one (a new Yjs client id too). */
  readonly id: number;
  readonly client: TestClient;
  readonly #undo: Y.UndoManager;
  readonly #ledger: Ledger;
  readonly #clientId: number;
  #inserts = 0;
  #offline: { promise: Promise<void>; resume: () => void } | undefined;

  constructor(id: number, partyUrl: string, docId: string, roomToken: () => Promise<string>, ledger: Ledger) {
    this.id = id;
    this.#ledger = ledger;
    this.client = connectClient(partyUrl, docId, {
      // While offline, every reconnect waits here: the provider's retry cannot bring the client back early.
      token: async () => {
        while (this.#offline) await this.#offline.promise;
        return roomToken();
      },
    });
    this.#clientId = this.client.doc.clientID;
    this.#undo = new Y.UndoManager(this.client.text, { captureTimeout: 0 });
    this.client.text.observe((event, transaction) => {
      if (transaction.local) return;
      for (const op of event.delta) if (typeof op.insert === "string") ledger.received(this.id, op.insert);
    });
  }

  get text(): string {
    return this.client.text.toString();
  }

  get online(): boolean {
    return !this.#offline && this.client.provider.wsconnected && this.client.provider.synced;
  }

  get offline(): boolean {
    return this.#offline !== undefined;
  }

  /** Inserts a new token at a random token boundary. */
  insert(random: Random): void {
    const t = token(this.id, this.#inserts++);
    const boundaries = [0, ...tokensIn(this.text).map((x) => x.end)];
    this.#ledger.typedBy(t);
    this.client.text.insert(boundaries[random.int(boundaries.length)]!, t);
  }

  /** Deletes one to three whole tokens. */
  remove(random: Random): void {
    const tokens = tokensIn(this.text);
    if (tokens.length === 0) return;
    const first = random.int(tokens.length);
    const last = Math.min(tokens.length - 1, first + random.int(3));
    this.#ledger.removed(tokens.slice(first, last + 1).map((t) => t.token));
    this.client.text.delete(tokens[first]!.start, tokens[last]!.end - tokens[first]!.start);
  }

  /** Undoes this client's last edit; whatever the undo removes counts as deleted on purpose. */
  undo(): void {
    const before = new Set(tokensIn(this.text).map((t) => t.token));
    this.#undo.undo();
    for (const t of tokensIn(this.text)) before.delete(t.token);
    this.#ledger.removed(before);
  }

  /** Closes the socket and stays away until {@link goOnline}; edits made meanwhile upload on reconnect. */
  goOffline(): void {
    if (this.#offline) return;
    let resume!: () => void;
    const promise = new Promise<void>((r) => (resume = r));
    this.#offline = { promise, resume };
    this.client.provider.ws?.close();
  }

  goOnline(): void {
    const offline = this.#offline;
    this.#offline = undefined;
    offline?.resume();
  }

  /** The connection drops without a close handshake (a network failure); the provider reconnects. */
  drop(): void {
    const ws = this.client.provider.ws as unknown as { terminate?: () => void; close: () => void } | null;
    if (ws?.terminate) ws.terminate();
    else ws?.close();
  }

  /**
   * Whether Yjs gave this client a new client id: it does when an update from the room carries structs
   * under its own id, i.e. someone else wrote under it.
   */
  get clientIdTaken(): boolean {
    return this.client.doc.clientID !== this.#clientId;
  }

  destroy(): void {
    this.goOnline();
    this.#undo.destroy();
    try {
      this.client.destroy();
    } catch {
      // y-partykit's provider cannot destroy itself once Yjs changed the doc's client id (its awareness
      // still has the old one); close what it leaves open.
      this.client.stop();
      this.client.provider.ws?.close();
      this.client.doc.destroy();
    }
  }
}
