import { DocRoot } from "@collab/protocol";
import * as Y from "yjs";
import type { BenchClient, ClientFactory } from "../clients.ts";

/**
 * An in-memory stand-in for a server, for testing the tool itself: every local update is delivered to the
 * room's other clients a turn later. `intercept` may drop or rewrite a delivery, to prove that the tool
 * notices lost updates and divergent rooms.
 */
export interface MemoryHubOptions {
  /** Return false to drop the delivery of `update` to client number `to` of the room. */
  deliver?: (update: Uint8Array, to: number) => boolean;
}

export function memoryHub(options: MemoryHubOptions = {}): ClientFactory {
  const rooms = new Map<string, Y.Doc[]>();
  return (docId) => {
    const docs = rooms.get(docId) ?? [];
    rooms.set(docId, docs);
    const doc = new Y.Doc();
    const existing = docs[0];
    if (existing) Y.applyUpdate(doc, Y.encodeStateAsUpdate(existing), "hub");
    docs.push(doc);
    doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === "hub") return;
      docs.forEach((other, index) => {
        if (other === doc) return;
        if (options.deliver && !options.deliver(update, index)) return;
        setImmediate(() => Y.applyUpdate(other, update, "hub"));
      });
    });
    const client: BenchClient = {
      doc,
      text: doc.getText(DocRoot.content),
      synced: Promise.resolve(),
      drops: () => 0,
      destroy: () => {
        docs.splice(docs.indexOf(doc), 1);
        doc.destroy();
      },
    };
    return client;
  };
}
