import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MessageType, SyncType, readAwarenessUpdate, writeAwarenessFrame, writeAwarenessUpdate, writeSyncFrame } from "./messages.ts";

/** The codec against y-protocols itself: an upstream change of the wire format fails here. */
describe("the awareness codec", () => {
  it("reads what y-protocols writes", () => {
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ user: { name: "Ada ✓" }, cursor: null });
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]);
    const [entry] = readAwarenessUpdate(update)!;
    expect(entry).toMatchObject({ clientId: doc.clientID, clock: awareness.meta.get(doc.clientID)!.clock, state: { user: { name: "Ada ✓" }, cursor: null } });
    expect(entry!.bytes).toBe(JSON.stringify(awareness.getLocalState()).length);
    awareness.destroy();
  });

  it("writes what y-protocols applies, removals included", () => {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    awarenessProtocol.applyAwarenessUpdate(awareness, writeAwarenessUpdate([{ clientId: 7, clock: 1, state: { name: "x" } }, { clientId: 8, clock: 1, state: { name: "y" } }]), "test");
    expect(awareness.getStates().get(7)).toEqual({ name: "x" });
    awarenessProtocol.applyAwarenessUpdate(awareness, writeAwarenessUpdate([{ clientId: 8, clock: 2, state: null }]), "test");
    // Numerically: the doc's own client id is random, and a default sort would compare digits.
    const byNumber = (a: number, b: number) => a - b;
    expect([...awareness.getStates().keys()].sort(byNumber)).toEqual([awareness.clientID, 7].sort(byNumber));
    awareness.destroy();
  });

  it("round-trips a frame, and refuses a count over the limit before parsing entries", () => {
    const entries = [{ clientId: 1, clock: 3, state: { a: 1 } }, { clientId: 2, clock: 0, state: null }];
    const decoder = decoding.createDecoder(writeAwarenessFrame(entries));
    expect(decoding.readVarUint(decoder)).toBe(MessageType.awareness);
    const update = decoding.readVarUint8Array(decoder);
    expect(readAwarenessUpdate(update)).toEqual(entries.map((entry) => ({ ...entry, bytes: JSON.stringify(entry.state).length })));
    expect(readAwarenessUpdate(update, 1)).toBeUndefined();
  });

  it("throws on trailing bytes and bad JSON", () => {
    const trailing = new Uint8Array([...writeAwarenessUpdate([]), 0]);
    expect(() => readAwarenessUpdate(trailing)).toThrow(/trailing bytes/);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarString(encoder, "{nope");
    expect(() => readAwarenessUpdate(encoding.toUint8Array(encoder))).toThrow();
  });
});

describe("sync frames", () => {
  it("are what y-protocols reads", () => {
    const source = new Y.Doc();
    source.getText("t").insert(0, "hi");
    const target = new Y.Doc();
    const decoder = decoding.createDecoder(writeSyncFrame(SyncType.update, Y.encodeStateAsUpdate(source)));
    expect(decoding.readVarUint(decoder)).toBe(MessageType.sync);
    syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), target, "test");
    expect(target.getText("t").toString()).toBe("hi");
  });
});
