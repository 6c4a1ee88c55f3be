import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { uniqueDocId } from "../../tools/testing/clients.ts";
import { browserAvailable, editorText, launchBrowser } from "./browser.ts";

const { webUrl } = inject("stack");
const RESULTS = join(import.meta.dirname, "..", "..", "test-results");

describe.skipIf(!browserAvailable())("two people in one document, in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  /** A person in their own browser context (own storage, no shared BroadcastChannel). */
  async function person(docId: string, name: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${webUrl}/d/${docId}`);
    await page.getByTestId("name-prompt-input").fill(name);
    await page.getByTestId("name-prompt-submit").click();
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    return page;
  }

  it("type into each other's document and see each other's named cursors", async () => {
    const docId = uniqueDocId("browser");
    const ada = await person(docId, "Ada");
    const bob = await person(docId, "Bob");

    await ada.locator("[data-testid=editor] .cm-content").click();
    await ada.keyboard.type("function greet(name: string) {\n");
    await expect.poll(() => editorText(bob), { timeout: 10_000 }).toContain("function greet(name: string) {");

    await bob.locator("[data-testid=editor] .cm-content").click();
    await bob.keyboard.press("Control+End");
    await bob.keyboard.press("ArrowUp");
    await bob.keyboard.type("  return `hi ${name}, from Bob`;");
    await expect.poll(() => editorText(ada), { timeout: 10_000 }).toContain("return `hi ${name}, from Bob`;");
    expect(await editorText(ada)).toBe(await editorText(bob));

    // Each sees the other's cursor, labelled with the other's name, and both in the presence list.
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
