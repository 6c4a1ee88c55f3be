import { afterAll, describe, expect, inject, it } from "vitest";
import { signUp } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, type TestClient } from "../tools/testing/clients.ts";
import { applyPatches, loadTrace } from "../tools/traces.ts";

const { partyUrl, workerUrl } = inject("stack");
describe("replaying a real editing session", () => {
  const clients: TestClient[] = [];
  afterAll(() => clients.forEach((client) => client.destroy()));

  it("delivers the sveltecomponent trace, one transaction per keystroke, exactly", async () => {
    const owner = await signUp(workerUrl, "replay");
    const docId = await owner.createDocument({ language: "html" });
    const token = () => owner.roomToken(docId);
    const [writer, reader] = [connectClient(partyUrl, docId, { token }), connectClient(partyUrl, docId, { token })];
    clients.push(writer, reader);
    const trace = loadTrace("sveltecomponent");
    await Promise.all([writer.synced, reader.synced]);
    const started = performance.now();
    for (let i = 0; i < trace.txns.length; i++) {
      writer.doc.transact(() => applyPatches(writer.text, trace.txns[i]!.patches));
      // Let the socket drain now and then, as a typist's pauses would: flow control for the writer.
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    expect(writer.text.toString()).toBe(trace.endContent);
    await waitFor(() => reader.text.length === trace.endContent.length && reader.text.toString() === trace.endContent, "reader holds endContent", 60_000);
    const seconds = (performance.now() - started) / 1000;
    console.log(`replayed ${trace.txns.length} transactions in ${seconds.toFixed(2)} s (${(trace.txns.length / seconds).toFixed(0)} updates/s end to end)`);
  });
});
