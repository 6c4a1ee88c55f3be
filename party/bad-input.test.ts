import { CloseCode, DocRoot, Limits } from "@collab/protocol";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as Y from "yjs";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, rawSocket, waitFor, type TestClient } from "../tools/testing/clients.ts";

const { partyUrl, workerUrl } = inject("stack");

/** A well-formed sync update message (y-protocols framing) carrying `update`. */
function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, 2);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

function someUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText(DocRoot.content).insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** An awareness update of one entry whose state is `json` (not necessarily JSON). */
function awarenessMessage(json: string): Uint8Array {
  const entry = encoding.createEncoder();
  for (const n of [1, 1, 1]) encoding.writeVarUint(entry, n); // one entry: client id 1, clock 1
  encoding.writeVarString(entry, json);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(entry));
  return encoding.toUint8Array(encoder);
}

const validUpdate = someUpdate("a perfectly good edit that is long enough to cut in half");

const cases: [string, Uint8Array | string, number][] = [
  ["random bytes", new Uint8Array([0xff, 0xfe, 0xfd, 0xfc, 0x00, 0x13]), CloseCode.MalformedMessage],
  ["a message whose length prefix runs past its end", updateMessage(validUpdate).slice(0, 20), CloseCode.MalformedMessage],
  ["a correctly framed but truncated update", updateMessage(validUpdate.slice(0, validUpdate.length - 9)), CloseCode.MalformedMessage],
  ["an unknown message type", new Uint8Array([7, 0, 0]), CloseCode.MalformedMessage],
  ["an unknown sync message type", new Uint8Array([0, 9, 0]), CloseCode.MalformedMessage],
  ["trailing bytes after a valid message", new Uint8Array([...updateMessage(validUpdate), 1, 2, 3]), CloseCode.MalformedMessage],
  ["an awareness update that is not JSON", new Uint8Array([1, 5, 1, 1, 1, 2, 0x7b, 0x7b]), CloseCode.MalformedMessage],
  // The JSON error quotes 20 characters of the frame: as 3-byte characters, "undecodable message: ..." is
  // 127 bytes, past what a close frame carries (123), and workerd sent it anyway: an invalid frame.
  ["an awareness update whose JSON error quotes multi-byte garbage", awarenessMessage(`{"a${"€".repeat(30)}":${"€".repeat(30)}}`), CloseCode.MalformedMessage],
  ["a text frame", "hello?", CloseCode.MalformedMessage],
  ["y-partykit's marker of a chunked upload past the document limit", `y-pk-batch#{"id":"x","type":"start","size":${Limits.maxDocumentBytes + 1},"count":9}`, CloseCode.MessageTooLarge],
  ["a chunked upload that ends before it starts", 'y-pk-batch#{"id":"x","type":"end","size":2000000,"count":2}', CloseCode.MalformedMessage],
  ["a frame over the room's size limit", updateMessage(someUpdate("x".repeat(Limits.maxMessageBytes + 100))), CloseCode.MessageTooLarge],
];

describe("a room receiving garbage", () => {
  let owner: TestUser;
  let docId: string;
  let alice: TestClient;
  let bob: TestClient;
  let expected = "";
  beforeAll(async () => {
    owner = await signUp(workerUrl, "garbage");
    docId = await owner.createDocument();
    alice = connectClient(partyUrl, docId, { name: "alice", token: () => owner.roomToken(docId) });
    bob = connectClient(partyUrl, docId, { name: "bob", token: () => owner.roomToken(docId) });
    await Promise.all([alice.synced, bob.synced]);
  });
  afterAll(() => [alice, bob].forEach((client) => client.destroy()));

  it.each(cases)("closes the sender of %s with its close code and keeps serving the others", async (_, frame, code) => {
    const attacker = await rawSocket(partyUrl, docId, await owner.roomToken(docId));
    attacker.socket.send(frame);
    const closed = await attacker.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);

    const line = `edit after ${code} ${Math.random().toString(36).slice(2)}\n`;
    alice.text.insert(alice.text.length, line);
    expected += line;
    await waitFor(() => bob.text.toString() === expected, "bob still receives alice's edits");
  });

  it("lost nothing: a newcomer sees every edit and no garbage", async () => {
    const newcomer = connectClient(partyUrl, docId, { token: () => owner.roomToken(docId) });
    try {
      await newcomer.synced;
      await waitFor(() => newcomer.text.toString() === expected, "newcomer holds exactly the honest edits");
      expect(newcomer.text.toString()).not.toContain("perfectly good");
    } finally {
      newcomer.destroy();
    }
  });
});
