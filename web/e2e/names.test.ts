import { DocRoot } from "@collab/protocol";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as Y from "yjs";
import { signUp } from "../../tools/testing/accounts.ts";
import { connectClient } from "../../tools/testing/clients.ts";
import { browserAvailable, launchBrowser, newPerson } from "./browser.ts";
import { openDocument, pageFor, screenshot, share } from "./product-pages.ts";

/**
 * Names people see and invitations, in a real browser: calm cursor labels, leaving a shared document from the
 * list and from the editor, and the register form refusing a name that hides characters.
 */
const { webUrl, workerUrl, partyUrl } = inject("stack");

/** Width of Bob's label as drawn, and whether his caret is marked idle. */
function bobLabel(page: Page): Promise<{ width: number; height: number; idle: boolean }> {
  return page.locator(".cm-ySelectionInfo", { hasText: "Bob" }).evaluate((label) => {
    const box = label.getBoundingClientRect();
    return { width: box.width, height: box.height, idle: label.parentElement!.hasAttribute("data-idle") };
  });
}

describe.skipIf(!browserAvailable())("names and invites in a real browser", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it("a remote cursor's name shows while its person moves, shrinks to a flag a few seconds later, and shows on hover", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const content = Array.from({ length: 8 }, (_, i) => `line ${i + 1}: some code here`).join("\n");
    const docId = await ada.createDocument({ title: "Calm cursors", content });
    await share(ada, docId, bob, "editor");
    const page = await openDocument(await pageFor(browser, webUrl, ada), webUrl, docId);

    const peer = connectClient(partyUrl, docId, { token: () => bob.roomToken(docId), name: "Bob" });
    try {
      await peer.synced;
      // As the web client does: a `user` with a name and colour, and a cursor.
      peer.provider.awareness.setLocalStateField("user", { id: bob.id, name: "Bob", color: "#3cb44b" });
      const text = peer.doc.getText(DocRoot.content);
      const moveTo = (index: number) => {
        const position = Y.createRelativePositionFromTypeIndex(text, index);
        peer.provider.awareness.setLocalStateField("cursor", { anchor: position, head: position });
      };
      moveTo(content.indexOf("line 4") + 5);
      await page.locator(".cm-ySelectionInfo", { hasText: "Bob" }).waitFor({ timeout: 10_000 });
      const moved = Date.now();
      const active = await bobLabel(page);
      console.log(`calm cursor: right after a move the label is ${Math.round(active.width)}x${Math.round(active.height)} px, idle=${active.idle}`);
      expect(active.idle).toBe(false);
      expect(active.width).toBeGreaterThan(15);
      await screenshot(page, "names-cursor-active");

      // A few seconds without moving: a small flag that barely reaches the line above.
      await expect.poll(async () => (await bobLabel(page)).idle, { timeout: 10_000, intervals: [250] }).toBe(true);
      console.log(`calm cursor: collapsed ${Date.now() - moved} ms after the move`);
      await page.waitForTimeout(300); // the shrink transition (0.18 s)
      const idle = await bobLabel(page);
      console.log(`calm cursor: idle flag ${Math.round(idle.width)}x${Math.round(idle.height)} px`);
      expect(idle.width).toBeGreaterThanOrEqual(4);
      expect(idle.width).toBeLessThanOrEqual(8);
      expect(idle.height).toBeGreaterThanOrEqual(4);
      expect(idle.height).toBeLessThanOrEqual(8);
      await screenshot(page, "names-cursor-idle");

      // Hovering the caret's flag shows the name.
      const flag = (await page.locator(".cm-ySelectionInfo", { hasText: "Bob" }).boundingBox())!;
      await page.mouse.move(flag.x + flag.width / 2, flag.y + flag.height / 2);
      await expect.poll(async () => (await bobLabel(page)).width, { timeout: 5_000 }).toBeGreaterThan(15);
      await screenshot(page, "names-cursor-hover");
      await page.mouse.move(5, 5);

      // Typing makes him active again.
      text.insert(content.indexOf("line 6"), "x");
      moveTo(content.indexOf("line 6") + 1);
      const caretLine = () => page.locator(".cm-ySelectionInfo", { hasText: "Bob" }).evaluate((el) => el.closest(".cm-line")?.textContent?.replace(/Bob|\u2060/g, ""));
      await expect.poll(caretLine, { timeout: 5_000 }).toBe("xline 6: some code here");
      await expect.poll(async () => (await bobLabel(page)).idle, { timeout: 5_000 }).toBe(false);
    } finally {
      peer.destroy();
    }
  });

  it("an invitee sees who shared a document and can leave it from the list and from the editor", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const fromList = await ada.createDocument({ title: "Leave me from the list" });
    const fromEditor = await ada.createDocument({ title: "Leave me from the editor", content: "hello" });
    await share(ada, fromList, bob, "editor");
    await share(ada, fromEditor, bob, "viewer");

    const page = await pageFor(browser, webUrl, bob);
    // Open the second one first, so this device keeps a local copy of it.
    await openDocument(page, webUrl, fromEditor);
    await page.goto(webUrl);
    const row = page.locator(`[data-testid=doc-item][data-doc-id="${fromList}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getByTestId("doc-shared-by").textContent()).toBe(`shared by ${ada.displayName}`);
    await screenshot(page, "names-shared-list");
    await row.getByTestId("doc-leave").click();
    await row.getByTestId("doc-leave-confirm").click();
    await row.waitFor({ state: "detached", timeout: 10_000 });
    expect((await ada.request(`/api/documents/${fromList}/members`)).status).toBe(200);
    expect(await (await bob.request(`/api/documents/${fromList}`)).status).toBe(404);

    await openDocument(page, webUrl, fromEditor);
    const copyName = `collab:${bob.id}:${fromEditor}`;
    const localCopies = () => page.evaluate(async () => (await indexedDB.databases()).map((database) => database.name));
    expect(await localCopies()).toContain(copyName);
    await page.getByTestId("leave-document").click();
    await page.getByTestId("leave-document-confirm").waitFor();
    await screenshot(page, "names-editor-leave");
    await page.getByTestId("leave-document-confirm").click();
    await page.waitForURL((url) => url.pathname === "/", { timeout: 10_000 });
    await page.locator("[data-testid=doc-list]").waitFor({ timeout: 10_000 });
    expect(await page.locator(`[data-testid=doc-item][data-doc-id="${fromEditor}"]`).count()).toBe(0);
    // The deletion is asked for at once; in about 1 run in 3 this tab still holds a connection to the copy and
    // the deletion waits for it (not understood yet: see the closing note), so it completes at the latest
    // when the page goes. Either way the copy is gone from the disk.
    const gone = await expect.poll(localCopies, { timeout: 10_000 }).not.toContain(copyName).then(() => true, () => false);
    if (!gone) {
      console.log("[names] the local copy's deletion waited for the page to go");
      await page.reload();
      await expect.poll(localCopies, { timeout: 10_000 }).not.toContain(copyName);
    }
    expect(await (await bob.request(`/api/documents/${fromEditor}`)).status).toBe(404);
  });

  it("the register form refuses a display name with a direction override, naming the field", async () => {
    const page = await (await newPerson(browser)).newPage();
    await page.goto(`${webUrl}/register`);
    const username = `rtl_${Date.now().toString(36)}`;
    await page.getByTestId("register-username").fill(username);
    await page.getByTestId("register-email").fill(`${username}@example.test`);
    await page.getByTestId("register-password").fill("correct horse battery");
    await page.getByTestId("register-display-name").fill("Ada\u202Enimda");
    await page.getByTestId("register-submit").click();
    const error = page.locator("[data-testid=field-error][data-field=displayName]");
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toContain("direction controls");
    expect(new URL(page.url()).pathname).toBe("/register");
  });
});
