import { DocRoot } from "@collab/protocol";
import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createRandom } from "../../random.ts";
import { awarenessFrame, forgedUpdate, garbageFrame, pendingUpdates, tinyStructsUpdate, updateFrame } from "./frames.ts";

describe("hostile frames", () => {
  it("pending updates stay pending in a Yjs document", () => {
    const doc = new Y.Doc();
    const pending = pendingUpdates(4242);
    Y.applyUpdate(doc, pending.next(100));
    Y.applyUpdate(doc, pending.next(100));
    expect(doc.getText(DocRoot.content).length).toBe(0);
    expect(doc.store.pendingStructs).not.toBeNull();
  });

  it("a forged update lands under the victim's id at its next clock", () => {
    const victim = new Y.Doc();
    victim.getText(DocRoot.content).insert(0, "mine");
    const update = forgedUpdate(victim, victim.clientID, "forged");
    const decoded = Y.decodeUpdate(update);
    expect(decoded.structs[0]!.id).toEqual({ client: victim.clientID, clock: 4 });
  });

  it("tiny structs decode as that many structs", () => {
    const decoded = Y.decodeUpdate(tinyStructsUpdate(7, 1_000));
    expect(decoded.structs.length).toBe(1_000);
    const room = new Y.Doc();
    Y.applyUpdate(room, tinyStructsUpdate(7, 1_000));
    expect(Y.getState(room.store, 7)).toBe(1_000);
  });

  it("frames are y-protocols messages", () => {
    const frame = updateFrame(new Uint8Array([0, 0]));
    const decoder = decoding.createDecoder(frame);
    expect([decoding.readVarUint(decoder), decoding.readVarUint(decoder), [...decoding.readVarUint8Array(decoder)]]).toEqual([0, 2, [0, 0]]);
    const awareness = decoding.createDecoder(awarenessFrame([{ clientId: 1, clock: 2, state: { a: 1 } }, { clientId: 3, clock: 4, state: null }]));
    expect(decoding.readVarUint(awareness)).toBe(1);
    const body = decoding.createDecoder(decoding.readVarUint8Array(awareness));
    expect(decoding.readVarUint(body)).toBe(2);
    const garbage = garbageFrame(createRandom(1), 10);
    expect(garbage.length).toBe(10);
    expect(garbage[0]).toBeLessThan(2);
  });
});
