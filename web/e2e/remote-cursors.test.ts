import { DocRoot } from "@collab/protocol";
import type { Browser, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as Y from "yjs";
import { signUp } from "../../tools/testing/accounts.ts";
import { connectClient, waitFor } from "../../tools/testing/clients.ts";
import { browserAvailable, launchBrowser, signedInPage } from "./browser.ts";
import { awarenessEntryFrame } from "../../tools/testing/fault/frames.ts";

/**
 * One malformed awareness `cursor` used to crash y-codemirror.next's remote-cursor plugin in every other
 * browser: no remote cursor drew again, even after a reload. The room now refuses such states, so this test
 * puts one on the wire between the room and the browser itself, to prove the client skips what it cannot draw.
 */
const { webUrl, workerUrl, partyUrl } = inject("stack");

describe.skipIf(!browserAvailable())("remote cursors in a real browser", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it("keep drawing an honest peer's cursor when a malformed cursor state arrives", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await ada.createDocument({ title: "Cursors", content: "line one\nline two\nline three\n" });
    await ada.request(`/api/documents/${docId}/members`, { body: { user: bob.username, role: "editor" } });

    const page = await signedInPage(browser, webUrl, ada);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    let roomSocket: WebSocketRoute | undefined;
    await page.context().routeWebSocket(/\/parties\//, (socket) => {
      socket.connectToServer();
      roomSocket = socket;
    });
    await page.goto(`${webUrl}/d/${docId}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 30_000 });

    const peer = connectClient(partyUrl, docId, { token: () => bob.roomToken(docId) });
    try {
      await peer.synced;
      const text = peer.doc.getText(DocRoot.content);
      const cursorAt = (index: number) => {
        const position = Y.createRelativePositionFromTypeIndex(text, index);
        return { anchor: position, head: position };
      };
      const caret = page.locator(".cm-ySelectionInfo", { hasText: "Bob" });
      peer.provider.awareness.setLocalStateField("cursor", cursorAt(3));
      await caret.waitFor({ timeout: 10_000 });

      // The bad states arrive from "the room", as the attack delivered them before the room refused them.
      await waitFor(() => roomSocket !== undefined, "the page's room socket is routed");
      const malformed = [{ anchor: 5, head: 5 }, { anchor: {}, head: {} }, "here"];
      malformed.forEach((cursor, i) => roomSocket!.send(Buffer.from(awarenessEntryFrame(990_001 + i, 1, { user: { name: `Bad${i}`, color: "#ff0000" }, cursor }))));

      // Bob moves to the third line: his cursor is drawn there, and the page threw nothing.
      peer.provider.awareness.setLocalStateField("cursor", cursorAt(20));
      await expect
        .poll(() => caret.evaluate((el) => el.closest(".cm-line")?.textContent?.replace(/Bob|\u2060/g, "")), { timeout: 10_000 })
        .toBe("line three");
      expect(await page.locator(".cm-ySelectionInfo", { hasText: "Bad" }).count()).toBe(0);
      expect(errors.filter((message) => /relative|RelativePosition|unexpected|Cannot read/i.test(message))).toEqual([]);

      // A reload still draws him.
      await page.reload();
      await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
      await caret.waitFor({ timeout: 10_000 });
    } finally {
      peer.destroy();
    }
  }, 120_000);
});
