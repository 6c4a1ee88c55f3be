import { CloseCode, DocRoot } from "@collab/protocol";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { detachLib0ErrorStacks, inspectFrame, isWrite, peekHeader } from "./frame-guard.ts";

const LIMIT = 1024 * 1024;

function message(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

describe("inspectFrame", () => {
  const doc = new Y.Doc();
  doc.getText(DocRoot.content).insert(0, "hello world, this is a document");
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState({ user: { name: "ada" } });

  const valid: [string, Uint8Array, number][] = [
    ["sync step 1", message((e) => (encoding.writeVarUint(e, 0), syncProtocol.writeSyncStep1(e, doc))), 0],
    ["sync step 2", message((e) => (encoding.writeVarUint(e, 0), syncProtocol.writeSyncStep2(e, doc))), Y.encodeStateAsUpdate(doc).length],
    ["an update", message((e) => (encoding.writeVarUint(e, 0), syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc)))), Y.encodeStateAsUpdate(doc).length],
    ["awareness", message((e) => (encoding.writeVarUint(e, 1), encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])))), 0],
  ];

  it.each(valid)("accepts %s", (_, frame, updateBytes) => {
    expect(inspectFrame(frame, LIMIT)).toMatchObject({ ok: true, updateBytes });
  });

  it("hands back the decoded awareness entries", () => {
    const [, frame] = valid.find(([name]) => name === "awareness")!;
    const verdict = inspectFrame(frame, LIMIT);
    expect(verdict.ok && verdict.awareness).toEqual([{ clientId: doc.clientID, clock: expect.any(Number), state: { user: { name: "ada" } }, bytes: 23 }]);
  });

  it("accepts every prefix-free valid frame and rejects every strict prefix of one", () => {
    for (const [, frame] of valid) {
      for (let cut = 0; cut < frame.length; cut++) {
        const verdict = inspectFrame(frame.slice(0, cut), LIMIT);
        expect(verdict.ok, `prefix of length ${cut}`).toBe(false);
      }
    }
  });

  it("rejects frames over the limit before decoding them", () => {
    expect(inspectFrame(new Uint8Array(LIMIT + 1), LIMIT)).toMatchObject({ ok: false, code: CloseCode.MessageTooLarge });
  });

  it.each([
    ["empty", new Uint8Array([])],
    ["unknown type", new Uint8Array([4, 0])],
    ["unknown sync type", new Uint8Array([0, 3, 0])],
    ["awareness with bad JSON", new Uint8Array([1, 5, 1, 1, 1, 2, 0x7b, 0x7b])],
  ])("rejects %s as malformed", (_, frame) => {
    expect(inspectFrame(frame, LIMIT)).toMatchObject({ ok: false, code: CloseCode.MalformedMessage });
  });

  it("lists the client ids of an update's structs with the end of their clocks, not its delete set's", () => {
    const writer = new Y.Doc();
    writer.clientID = 7;
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(doc));
    const before = Y.encodeStateVector(writer);
    writer.getText(DocRoot.content).delete(0, 5);
    writer.getText(DocRoot.content).insert(0, "bye");
    const frame = message((e) => (encoding.writeVarUint(e, 0), syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(writer, before))));
    const verdict = inspectFrame(frame, LIMIT);
    // The deletion names the deleted text's author (doc.clientID), which is normal editing.
    expect(verdict.ok && [...verdict.structs!]).toEqual([[7, 3]]);
  });

  it("reads a frame's header without decoding its payload", () => {
    const [, step2] = valid.find(([name]) => name === "sync step 2")!;
    expect(peekHeader(step2)).toEqual({ type: 0, syncType: 1 });
    expect(isWrite(peekHeader(step2)!)).toBe(true);
    expect(isWrite(peekHeader(valid[0]![1])!)).toBe(false);
    expect(isWrite(peekHeader(valid[3]![1])!)).toBe(false);
    // A write with a garbage payload is still recognised as a write.
    expect(isWrite(peekHeader(new Uint8Array([0, 2, 0xff, 0xff]))!)).toBe(true);
    expect(peekHeader(new Uint8Array([]))).toBeUndefined();
  });

  it("refuses an awareness frame with more entries than allowed before parsing them", () => {
    const frame = message((e) => {
      encoding.writeVarUint(e, 1);
      const update = encoding.createEncoder();
      encoding.writeVarUint(update, 3);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(update));
    });
    expect(inspectFrame(frame, LIMIT, 2)).toMatchObject({ ok: false, code: CloseCode.MessageTooLarge });
  });

  describe("struct budget", () => {
    /** An update of `count` one-character items at position 0 (none merge), by `writers` clients in turn. */
    function manyStructs(count: number, writers = 1): Uint8Array {
      const docs = Array.from({ length: writers }, () => new Y.Doc());
      for (let i = 0; i < count; i++) {
        const writer = docs[i % writers]!;
        if (i > 0) Y.applyUpdate(writer, Y.encodeStateAsUpdate(docs[(i - 1) % writers]!));
        writer.getText(DocRoot.content).insert(0, "z");
      }
      const merged = Y.mergeUpdates(docs.map((d) => Y.encodeStateAsUpdate(d)));
      return message((e) => (encoding.writeVarUint(e, 0), syncProtocol.writeUpdate(e, merged)));
    }

    it("counts the structs an update carries", () => {
      expect(inspectFrame(manyStructs(50), LIMIT)).toMatchObject({ ok: true, structCount: 50 });
    });

    it("refuses an update over the budget, from its first block before decoding it", () => {
      expect(inspectFrame(manyStructs(50), LIMIT, undefined, 49)).toMatchObject({ ok: false, code: CloseCode.RateLimited });
    });

    it("refuses an update over the budget spread over several clients' blocks", () => {
      const frame = manyStructs(60, 3);
      expect(inspectFrame(frame, LIMIT)).toMatchObject({ ok: true, structCount: 60 });
      expect(inspectFrame(frame, LIMIT, undefined, 59)).toMatchObject({ ok: false, code: CloseCode.RateLimited });
    });
  });
});

describe("lib0's shared decoding errors", () => {
  // Made during lib0's module evaluation, their stacks made the first refused frame of a workerd process
  // pause every room (see detachLib0ErrorStacks); the first room's constructor captures them again.
  it.each([
    ["end of array", [0x7f, 1]],
    ["integer out of range", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  ])("%s: once detached, its stack starts where it was detached, not in lib0's module evaluation", (_, bytes) => {
    detachLib0ErrorStacks();
    let thrown: unknown;
    try {
      decoding.readVarUint8Array(decoding.createDecoder(new Uint8Array(bytes)));
    } catch (error) {
      thrown = error;
    }
    const stack = (thrown as Error).stack ?? "";
    expect(stack.split("\n")[1]).toContain("detachLib0ErrorStacks");
    expect(stack).not.toMatch(/lib0[/\\]error\.js/);
  });
});
