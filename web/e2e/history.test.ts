import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { VersionSummary } from "@collab/protocol";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../../tools/testing/accounts.ts";
import { browserAvailable, editorText, launchBrowser, signedInPage } from "./browser.ts";

/**
 * The history panel (issue 11) in a real browser against the real stack: open it from the keyboard, page
 * through versions, compare one with the live text, name the current state, restore, and take the restore
 * back with ONE Ctrl+Z; the other editor sees the restore live with a notice; a viewer browses without
 * write actions. Versions are made through the API and the panel (never by waiting for the room's timers).
 */
const { webUrl, workerUrl } = inject("stack");
const RESULTS = join(import.meta.dirname, "..", "..", "test-results");

describe.skipIf(!browserAvailable())("version history in a real browser", { timeout: 180_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  async function openDocument(user: TestUser, docId: string): Promise<Page> {
    const page = await signedInPage(browser, webUrl, user);
    await page.goto(`${webUrl}/d/${docId}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 30_000 });
    return page;
  }

  async function named(user: TestUser, docId: string, name: string): Promise<VersionSummary> {
    const response = await user.request(`/api/documents/${docId}/versions`, { body: { name } });
    expect(response.status).toBe(201);
    return VersionSummary.parse(await response.json());
  }

  it("browse, compare, name, restore with one undo, a live notice for the other editor, and a viewer who only browses", async () => {
    const [adaUser, bobUser, vicUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob"), signUp(workerUrl, "Vic")]);
    const original = "function greet(name) {\n  return 'hi ' + name;\n}\n";
    const docId = await adaUser.createDocument({ title: "History", content: original, language: "javascript" });
    for (const [user, role] of [[bobUser, "editor"], [vicUser, "viewer"]] as const) {
      expect((await adaUser.request(`/api/documents/${docId}/members`, { body: { user: user.username, role } })).status).toBe(201);
    }
    // The oldest version, then more than one page of others (the panel asks for 30 at a time).
    await named(adaUser, docId, "first draft");
    for (let i = 1; i <= 30; i++) await named(i % 2 ? adaUser : bobUser, docId, `checkpoint ${i}`);

    const ada = await openDocument(adaUser, docId);
    const bob = await openDocument(bobUser, docId);
    await ada.locator("[data-testid=editor] .cm-content").click();
    await ada.keyboard.press("Control+End");
    await ada.keyboard.type("greet('world');\n");
    await expect.poll(() => editorText(bob), { timeout: 10_000 }).toContain("greet('world');");
    const edited = await editorText(ada);

    // Opened by its shortcut: the focus is in the list, grouped by day, newest first.
    await ada.keyboard.press("Control+Alt+h");
    const panel = ada.getByTestId("history-panel");
    await panel.waitFor();
    await expect.poll(() => ada.getByTestId("version-item").count(), { timeout: 10_000 }).toBe(30);
    expect(await ada.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("version-list");
    expect(await panel.locator("h3").first().textContent()).toBe("Today");
    expect(await ada.getByTestId("version-item").first().locator(".title").textContent()).toBe("checkpoint 30");
    expect(await ada.getByTestId("version-item").first().locator(".avatar").count()).toBe(1);

    // Name the current state from the panel: it goes to the top.
    await ada.getByTestId("version-name").fill("with greeting");
    await ada.getByTestId("name-version").click();
    await expect.poll(() => ada.getByTestId("version-item").first().locator(".title").textContent(), { timeout: 10_000 }).toBe("with greeting");

    // Load more reaches the oldest; End then Enter selects it, from the keyboard.
    await ada.getByTestId("load-more").click();
    // 32, or one more if the room took an automatic version of Ada's typing meanwhile (30 s after it settled).
    await expect.poll(() => ada.getByTestId("load-more").count(), { timeout: 10_000 }).toBe(0);
    expect(await ada.getByTestId("version-item").count()).toBeGreaterThanOrEqual(32);
    await ada.getByTestId("version-list").focus();
    await ada.keyboard.press("End");
    await ada.keyboard.press("ArrowUp");
    await ada.keyboard.press("ArrowDown");
    await ada.keyboard.press("Enter");
    const diff = ada.locator("[data-testid=version-diff][data-ready=true]");
    await diff.waitFor({ timeout: 15_000 });
    expect(await ada.locator("[data-testid=version-item][aria-selected=true] .title").textContent()).toBe("first draft");
    // The comparison: the version's text, with the line a restore would remove shown as deleted.
    await expect.poll(() => diff.locator(".cm-deletedChunk").textContent(), { timeout: 10_000 }).toContain("greet('world');");

    // Restore: Ada's text and Bob's become the version's; Bob is told who did it.
    const started = performance.now();
    await ada.getByTestId("restore-version").click();
    await expect.poll(() => editorText(bob), { timeout: 15_000 }).toBe(original);
    console.log(`restore click -> the other editor's text: ${Math.round(performance.now() - started)} ms`);
    await expect.poll(() => editorText(ada), { timeout: 10_000 }).toBe(original);
    await expect.poll(() => bob.getByTestId("restore-notice").textContent(), { timeout: 10_000 }).toContain("Ada restored “first draft”");
    await expect.poll(() => ada.getByTestId("version-item").first().getAttribute("data-kind"), { timeout: 10_000 }).toBe("restore");
    expect(await ada.getByTestId("version-item").first().locator(".title").textContent()).toBe("Restored from first draft");

    // One Ctrl+Z in Ada's editor brings the text she had back, for both.
    await ada.locator("[data-testid=editor] .cm-content").click();
    await ada.keyboard.press("Control+z");
    await expect.poll(() => editorText(ada), { timeout: 10_000 }).toBe(edited);
    await expect.poll(() => editorText(bob), { timeout: 10_000 }).toBe(edited);

    // For the README: the restore version compared with the text the undo brought back.
    await ada.getByTestId("version-item").first().click();
    await expect.poll(() => ada.locator("[data-testid=version-diff][data-ready=true] .cm-deletedChunk").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    mkdirSync(RESULTS, { recursive: true });
    await ada.screenshot({ path: join(RESULTS, "history.png") });

    // Escape closes the comparison (back to the list), then the panel, and the focus goes back to its button.
    await ada.getByTestId("copy-version").focus();
    await ada.keyboard.press("Escape");
    await ada.getByTestId("version-compare").waitFor({ state: "detached" });
    expect(await ada.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("version-list");
    await ada.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    expect(await ada.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("history-button");
    await bob.context().close();
    await ada.context().close();

    // A viewer browses and compares, but has no write actions.
    const vic = await openDocument(vicUser, docId);
    await vic.getByTestId("history-button").click();
    await vic.getByTestId("version-item").first().click();
    await vic.locator("[data-testid=version-diff][data-ready=true]").waitFor({ timeout: 15_000 });
    expect(await vic.getByTestId("copy-version").count()).toBe(1);
    expect(await vic.getByTestId("restore-version").count()).toBe(0);
    expect(await vic.getByTestId("name-version").count()).toBe(0);
    await vic.context().close();
  });
});
