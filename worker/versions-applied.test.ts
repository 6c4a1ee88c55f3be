import { DocRoot, ErrorBody, MetaKey, RestoreNotice, VersionList, VersionSummary } from "@collab/protocol";
import { replaceText } from "@collab/protocol/replace-text";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, type TestClient } from "../tools/testing/clients.ts";
import { loadTrace } from "../tools/traces.ts";

/**
 * A restore the web client applied itself (issue 11: one undo by the restorer brings the previous text
 * back, so the edit must be in the restorer's own undo history): `{ "applied": true }` records the
 * "restore" version without the room writing the text again. The REST-only restore keeps working.
 */
const { workerUrl, partyUrl } = inject("stack");

const clients: TestClient[] = [];
afterEach(() => clients.splice(0).forEach((client) => client.destroy()));

let owner: TestUser;
let viewer: TestUser;
beforeAll(async () => {
  [owner, viewer] = (await Promise.all(["aowner", "aviewer"].map((label) => signUp(workerUrl, label)))) as [TestUser, TestUser];
});

function join(user: TestUser, docId: string): TestClient {
  const client = connectClient(partyUrl, docId, { name: user.username, token: () => user.roomToken(docId) });
  clients.push(client);
  return client;
}

async function saveNamed(docId: string, name: string): Promise<VersionSummary> {
  const response = await owner.request(`/api/documents/${docId}/versions`, { body: { name } });
  expect(response.status).toBe(201);
  return VersionSummary.parse(await response.json());
}

const restore = (user: TestUser, docId: string, versionId: string, body?: unknown) =>
  user.request(`/api/documents/${docId}/versions/${versionId}/restore`, body === undefined ? { method: "POST" } : { body });

describe("everyone's restore notice", () => {
  it("is written into the document by the room, from the verified user, for a REST-only restore and an applied one", async () => {
    const docId = await owner.createDocument({ title: "Noticed", content: "first\n" });
    await owner.request(`/api/documents/${docId}/members`, { body: { user: viewer.username, role: "viewer" } });
    const saved = await saveNamed(docId, "the first line");
    const watcher = join(viewer, docId);
    await watcher.synced;
    const notices: RestoreNotice[] = [];
    watcher.doc.getMap(DocRoot.meta).observe((event) => {
      if (event.keysChanged.has(MetaKey.restored)) notices.push(RestoreNotice.parse(watcher.doc.getMap(DocRoot.meta).get(MetaKey.restored)));
    });

    // REST alone: nobody's client announces it, the room does.
    const before = Date.now();
    expect((await restore(owner, docId, saved.id)).status).toBe(200);
    await waitFor(() => notices.length === 1, "the viewer sees the notice");
    expect(notices[0]).toMatchObject({ versionId: saved.id, restoredFrom: "the first line", named: true, userId: owner.id, name: owner.displayName });
    expect(notices[0]!.at).toBeGreaterThanOrEqual(before);

    // Applied by the restorer's client: the same notice, with the name from the session, not the client.
    const editor = join(owner, docId);
    await editor.synced;
    editor.doc.transact(() => replaceText(editor.doc.getText(DocRoot.content), "first\n"));
    expect((await restore(owner, docId, saved.id, { applied: true })).status).toBe(200);
    await waitFor(() => notices.length === 2, "the viewer sees the second notice");
    expect(notices[1]).toMatchObject({ versionId: saved.id, userId: owner.id, name: owner.displayName });

    // The notice is part of the restore version's state: no automatic version repeats the same text.
    const list = VersionList.parse(await (await owner.request(`/api/documents/${docId}/versions`)).json()).items;
    expect(list[0]!.kind).toBe("restore");
  });
});

describe("restore with applied: true", () => {
  it("records the restore version and leaves the live text as the client wrote it", async () => {
    const docId = await owner.createDocument({ title: "Applied", content: "alpha\nbeta\n" });
    const saved = await saveNamed(docId, "two lines");
    const client = join(owner, docId);
    await client.synced;
    client.text.insert(client.text.length, "gamma\n");

    // The client writes the version's text itself, then types on: the room must not write it again over
    // the later typing.
    client.doc.transact(() => replaceText(client.doc.getText(DocRoot.content), "alpha\nbeta\n"));
    client.text.insert(client.text.length, "typed after\n");
    const reader = join(owner, docId);
    await reader.synced;
    await waitFor(() => reader.text.toString() === "alpha\nbeta\ntyped after\n", "the room has the client's edits");

    const response = await restore(owner, docId, saved.id, { applied: true });
    expect(response.status).toBe(200);
    const made = VersionSummary.parse(await response.json());
    expect(made).toMatchObject({ kind: "restore", name: "Restored from two lines" });
    expect(made.authors.map((a) => a.id)).toContain(owner.id);
    expect(made.textLength).toBe("alpha\nbeta\ntyped after\n".length);

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reader.text.toString()).toBe("alpha\nbeta\ntyped after\n");
    const list = VersionList.parse(await (await owner.request(`/api/documents/${docId}/versions`)).json()).items;
    expect(list[0]!.id).toBe(made.id);
  });

  it("without a body the room writes the text, as before; a viewer may do neither; a bad flag is a 400", async () => {
    const docId = await owner.createDocument({ title: "Plain", content: "one\n" });
    await owner.request(`/api/documents/${docId}/members`, { body: { user: viewer.username, role: "viewer" } });
    const saved = await saveNamed(docId, "one line");
    const client = join(owner, docId);
    await client.synced;
    client.text.insert(client.text.length, "two\n");
    const reader = join(owner, docId);
    await reader.synced;
    await waitFor(() => reader.text.toString() === "one\ntwo\n", "the room has the edit");

    expect((await restore(viewer, docId, saved.id, { applied: true })).status).toBe(403);
    expect((await restore(viewer, docId, saved.id)).status).toBe(403);
    const bad = await restore(owner, docId, saved.id, { applied: "yes" });
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(await bad.json()).error.code).toBe("validation_failed");

    const response = await restore(owner, docId, saved.id);
    expect(response.status).toBe(200);
    await waitFor(() => client.text.toString() === "one\n", "the room wrote the version's text");
  });

  it("a 300 KB restore reaches every client (figures printed, both ways)", { timeout: 60_000 }, async () => {
    // The automerge-paper text three times (314 KB); the live text lacks every 20th line of it.
    const paper = loadTrace("automerge-paper").endContent.repeat(3);
    const edited = paper.split("\n").filter((_, i) => i % 20 !== 7).join("\n");
    const docId = await owner.createDocument({ title: "Paper", content: paper });
    const saved = await saveNamed(docId, "paper");
    const [restorer, ...others] = [join(owner, docId), join(owner, docId), join(owner, docId)];
    await Promise.all([restorer, ...others].map((client) => client.synced));
    const everyone = (text: string) => [restorer, ...others].every((client) => client.text.toString() === text);

    for (const how of ["client-applied", "room-applied"] as const) {
      restorer.doc.transact(() => replaceText(restorer.text, edited));
      await waitFor(() => everyone(edited), "everyone has the edited text", 30_000);
      const started = performance.now();
      if (how === "client-applied") {
        restorer.doc.transact(() => replaceText(restorer.text, paper));
        await waitFor(() => others.every((client) => client.text.toString() === paper), "the others have the restore", 30_000);
        const reached = performance.now() - started;
        expect((await restore(owner, docId, saved.id, { applied: true })).status).toBe(200);
        console.log(`300 KB restore (${paper.length} chars, ${paper.split("\n").length / 20 | 0} lines back), client-applied: every client has it after ${Math.round(reached)} ms; recorded after ${Math.round(performance.now() - started)} ms`);
      } else {
        const response = restore(owner, docId, saved.id);
        await waitFor(() => everyone(paper), "everyone has the restore", 30_000);
        const reached = performance.now() - started;
        expect((await response).status).toBe(200);
        console.log(`300 KB restore, room-applied (REST): every client has it after ${Math.round(reached)} ms; answered after ${Math.round(performance.now() - started)} ms`);
      }
      expect(everyone(paper)).toBe(true);
    }
  });
});
