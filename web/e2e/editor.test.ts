import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../../tools/testing/accounts.ts";
import { browserAvailable, editorText, launchBrowser, signedInPage } from "./browser.ts";

const { webUrl, workerUrl } = inject("stack");
const RESULTS = join(import.meta.dirname, "..", "..", "test-results");

// Two browsers, two sign-ups and a dozen round trips: 30 s is too little on a loaded 2-core machine.
describe.skipIf(!browserAvailable())("two people in one document, in a real browser", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  async function openDocument(user: TestUser, docId: string): Promise<Page> {
    const page = await signedInPage(browser, webUrl, user);
    await page.goto(`${webUrl}/d/${docId}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    return page;
  }

  it("type into each other's document and see each other's named cursors", async () => {
    const [adaUser, bobUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await adaUser.createDocument({ title: "Greeting" });
    const invite = await adaUser.request(`/api/documents/${docId}/members`, { body: { user: bobUser.username, role: "editor" } });
    expect(invite.status).toBe(201);
    const ada = await openDocument(adaUser, docId);
    const bob = await openDocument(bobUser, docId);

    await ada.locator("[data-testid=editor] .cm-content").click();
    await ada.keyboard.type("function greet(name: string) {\n");
    await expect.poll(() => editorText(bob), { timeout: 10_000 }).toContain("function greet(name: string) {");

    await bob.locator("[data-testid=editor] .cm-content").click();
    await bob.keyboard.press("Control+End");
    await bob.keyboard.press("ArrowUp");
    await bob.keyboard.type("  return `hi ${name}, from Bob`;");
    await expect.poll(() => editorText(ada), { timeout: 10_000 }).toContain("return `hi ${name}, from Bob`;");
    expect(await editorText(ada)).toBe(await editorText(bob));

    // Each sees the other's cursor, labelled with the other's display name, and both in the presence list.
    await expect.poll(() => ada.locator(".cm-ySelectionInfo").allTextContents(), { timeout: 10_000 }).toContain("Bob");
    await expect.poll(() => bob.locator(".cm-ySelectionInfo").allTextContents(), { timeout: 10_000 }).toContain("Ada");
    for (const page of [ada, bob]) {
      await expect.poll(() => page.getByTestId("presence-user").allTextContents(), { timeout: 10_000 }).toEqual(
        expect.arrayContaining([expect.stringContaining("Ada"), expect.stringContaining("Bob")]),
      );
    }

    // The language is part of the document: Ada picks TypeScript and Bob's editor switches too.
    await ada.getByTestId("language").selectOption("typescript");
    await bob.locator("[data-testid=editor][data-language=typescript]").waitFor({ timeout: 10_000 });
    await ada.locator("[data-testid=editor][data-language=typescript]").waitFor({ timeout: 10_000 });
    mkdirSync(RESULTS, { recursive: true });
    await ada.screenshot({ path: join(RESULTS, "two-cursors.png") });

    // Undo is per person: Bob's undo removes Bob's line, never Ada's.
    await bob.keyboard.press("Control+z");
    await expect.poll(() => editorText(ada), { timeout: 10_000 }).not.toContain("from Bob");
    expect(await editorText(ada)).toContain("function greet(name: string) {");
  });
});
