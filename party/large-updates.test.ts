import { Limits } from "@collab/protocol";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, type TestClient } from "../tools/testing/clients.ts";

const { partyUrl, workerUrl } = inject("stack");

/**
 * Updates larger than one frame (y-partykit's provider sends them as chunked uploads) reach the room and the
 * others, up to MAX_DOCUMENT_BYTES: a pasted 3 MB file, or the sync answer after a long offline session.
 */
describe("updates over the frame limit", { timeout: 90_000 }, () => {
  let owner: TestUser;
  let docId: string;
  let ada: TestClient;
  let bob: TestClient;
  beforeAll(async () => {
    owner = await signUp(workerUrl, "large");
    docId = await owner.createDocument();
    ada = connectClient(partyUrl, docId, { name: "ada", token: () => owner.roomToken(docId) });
    bob = connectClient(partyUrl, docId, { name: "bob", token: () => owner.roomToken(docId) });
    await Promise.all([ada.synced, bob.synced]);
  });
  afterAll(() => [ada, bob].forEach((client) => client.destroy()));

  it("a 3 MB insertion reaches the other client, and a newcomer", async () => {
    const text = "0123456789abcdef".repeat(3_000_000 / 16);
    expect(text.length).toBeGreaterThan(Limits.maxMessageBytes);
    const started = Date.now();
    ada.text.insert(0, text);
    await waitFor(() => bob.text.length === text.length, "bob receives the 3 MB insertion", 60_000);
    console.log(`[large] 3 MB insertion seen by the other client after ${Date.now() - started} ms`);
    expect(bob.text.toString()).toBe(text);

    const newcomer = connectClient(partyUrl, docId, { token: () => owner.roomToken(docId) });
    try {
      await newcomer.synced;
      expect(newcomer.text.length).toBe(text.length);
    } finally {
      newcomer.destroy();
    }
    // Small edits keep flowing after it.
    ada.text.insert(0, "after ");
    await waitFor(() => bob.text.toString().startsWith("after 0123"), "bob receives the next edit");
  });
});
