import * as Y from "yjs";
import * as syncProtocol from "y-protocols/sync";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import { covers, probeFrame, raise, readRoomSyncMessage, updateEnds } from "./room-acks.ts";

/** What a y-protocols peer (the room) answers to `frame`. */
function answer(room: Y.Doc, frame: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarUint(decoder);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  syncProtocol.readSyncMessage(decoder, encoder, room, null);
  return encoding.toUint8Array(encoder);
}

describe("room acknowledgements", () => {
  it("a probe's answer shows exactly whether the room holds our insertions", () => {
    const room = new Y.Doc();
    const local = new Y.Doc();
    local.getText("t").insert(0, "hello");
    Y.applyUpdate(room, Y.encodeStateAsUpdate(local));
    const known = Y.decodeStateVector(Y.encodeStateVector(room));
    // Two more edits: the room gets only the first.
    local.getText("t").insert(5, " world");
    const afterFirst = Y.encodeStateAsUpdate(local, Y.encodeStateVector(room));
    Y.applyUpdate(room, afterFirst);
    local.getText("t").insert(11, "!");
    const ours = Y.decodeStateVector(Y.encodeStateVector(local));
    expect(covers(known, ours)).toBe(false);

    const reply = readRoomSyncMessage(answer(room, probeFrame(ours, known)));
    expect(reply?.kind).toBe("step2");
    raise(known, updateEnds((reply as { update: Uint8Array }).update));
    expect(known.get(local.clientID)).toBe(11);
    expect(covers(known, ours)).toBe(false);

    Y.applyUpdate(room, Y.encodeStateAsUpdate(local, Y.encodeStateVector(room)));
    const second = readRoomSyncMessage(answer(room, probeFrame(ours, known)));
    raise(known, updateEnds((second as { update: Uint8Array }).update));
    expect(covers(known, ours)).toBe(true);
  });

  it("the probe asks only past what the room is known to hold", () => {
    const local = new Y.Doc();
    local.getText("t").insert(0, "x".repeat(1_000));
    const ours = Y.decodeStateVector(Y.encodeStateVector(local));
    const room = Y.decodeStateVector(Y.encodeStateVector(local));
    const message = readRoomSyncMessage(probeFrame(ours, room));
    expect(message).toEqual({ kind: "step1", stateVector: ours });
  });

  it("reads the room's step 1 and ignores awareness and garbage", () => {
    const doc = new Y.Doc();
    doc.getText("t").insert(0, "abc");
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, doc);
    expect(readRoomSyncMessage(encoding.toUint8Array(encoder))).toEqual({ kind: "step1", stateVector: new Map([[doc.clientID, 3]]) });
    expect(readRoomSyncMessage(new Uint8Array([1, 2, 0, 0]))).toBeUndefined();
    expect(readRoomSyncMessage(new Uint8Array([0, 1, 50]))).toBeUndefined();
  });
});
