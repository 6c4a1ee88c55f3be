import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp } from "../../tools/testing/accounts.ts";
import { browserAvailable, launchBrowser } from "./browser.ts";
import { openDocument, pageFor, screenshot, share } from "./product-pages.ts";

const { webUrl, workerUrl } = inject("stack");

// Three people, sign-ups and a dozen round trips per test: 30 s is too little on a loaded 2-core machine.
describe.skipIf(!browserAvailable())("working together: live rename and language, following someone", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it("a rename or a language switch reaches everyone: editors' headers and tab titles, and the lists", async () => {
    const [ada, bob, cy] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob"), signUp(workerUrl, "Cy")]);
    const docId = await ada.createDocument({ title: "Draft", language: "plaintext", content: "hello\n" });
    await share(ada, docId, bob, "editor");
    await share(ada, docId, cy, "viewer");
    const adaPage = await openDocument(await pageFor(browser, webUrl, ada), webUrl, docId);
    const bobPage = await openDocument(await pageFor(browser, webUrl, bob), webUrl, docId);
    const cyList = await pageFor(browser, webUrl, cy);
    await cyList.goto(webUrl);
    const cyRow = cyList.locator(`[data-testid=doc-item][data-doc-id="${docId}"]`);
    await cyRow.waitFor({ timeout: 15_000 });

    // Bob renames it from the editor's header.
    const started = Date.now();
    await bobPage.getByTestId("doc-title").click();
    await bobPage.getByTestId("doc-title-input").fill("Parser notes");
    await bobPage.getByTestId("doc-title-input").press("Enter");
    await expect.poll(() => adaPage.getByTestId("doc-title").textContent(), { timeout: 10_000 }).toContain("Parser notes");
    console.log(`rename reached the other editor in ${Date.now() - started} ms`);
    await expect.poll(() => adaPage.title(), { timeout: 5_000 }).toBe("Parser notes · Collab");
    await expect.poll(() => cyRow.getByTestId("doc-open").textContent(), { timeout: 15_000 }).toBe("Parser notes");
    console.log(`rename reached a list in ${Date.now() - started} ms`);

    // A viewer cannot rename: the title is text, not a button.
    const cyEditor = await openDocument(await pageFor(browser, webUrl, cy), webUrl, docId);
    expect(await cyEditor.getByTestId("doc-title").evaluate((el) => el.tagName)).toBe("SPAN");
    await cyEditor.close();

    // A bad title is refused in place, with the contract's message.
    await bobPage.getByTestId("doc-title").click();
    await bobPage.getByTestId("doc-title-input").fill("   ");
    await bobPage.getByTestId("doc-title-input").press("Enter");
    await expect.poll(() => bobPage.getByTestId("doc-title-error").textContent()).toContain("must not be empty");
    await bobPage.getByTestId("doc-title-input").press("Escape");

    // Ada switches the language in her status bar: Bob's editor and Cy's list follow.
    const switched = Date.now();
    await adaPage.getByTestId("language").selectOption("python");
    await bobPage.locator("[data-testid=editor][data-language=python]").waitFor({ timeout: 10_000 });
    await expect.poll(() => cyRow.getByTestId("doc-language").inputValue(), { timeout: 20_000 }).toBe("python");
    console.log(`language switch reached a list in ${Date.now() - switched} ms`);

    // The REST PATCH reaches the open rooms too.
    const patched = await ada.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: "Lexer notes" } });
    expect(patched.status).toBe(200);
    await expect.poll(() => bobPage.getByTestId("doc-title").textContent(), { timeout: 10_000 }).toContain("Lexer notes");
    await expect.poll(() => bobPage.title(), { timeout: 5_000 }).toBe("Lexer notes · Collab");
  });

  it("follow a collaborator: the view scrolls with them, they see it, and scrolling stops it", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const content = Array.from({ length: 300 }, (_, i) => `const value${i} = ${i};`).join("\n");
    const docId = await ada.createDocument({ title: "long.js", language: "javascript", content });
    // Bob only views: following works for viewers too.
    await share(ada, docId, bob, "viewer");
    const adaPage = await openDocument(await pageFor(browser, webUrl, ada), webUrl, docId);
    const bobPage = await openDocument(await pageFor(browser, webUrl, bob), webUrl, docId);
    await adaPage.locator(".cm-line").first().click();

    const chip = bobPage.locator(`[data-testid=presence-user][data-user-id="${ada.id}"] [data-testid=follow]`);
    await chip.waitFor({ timeout: 10_000 });
    await chip.click();
    expect(await chip.getAttribute("aria-pressed")).toBe("true");
    expect(await bobPage.getByTestId("following").textContent()).toContain("Following Ada");
    await expect.poll(() => adaPage.getByTestId("followers").textContent(), { timeout: 10_000 }).toContain("Bob is following you");

    // Ada jumps to the end: Bob's view goes with her.
    const scrollTop = () => bobPage.locator(".cm-scroller").evaluate((el) => el.scrollTop);
    expect(await scrollTop()).toBe(0);
    const moved = Date.now();
    await adaPage.keyboard.press("Control+End");
    await expect.poll(() => bobPage.locator(".cm-line", { hasText: "const value299 = 299;" }).isVisible(), { timeout: 10_000 }).toBe(true);
    console.log(`follower's view reached the followed cursor in ${Date.now() - moved} ms`);
    expect(await scrollTop()).toBeGreaterThan(1000);
    await adaPage.keyboard.press("Control+Home");
    await expect.poll(() => scrollTop(), { timeout: 10_000 }).toBeLessThan(100);
    await screenshot(bobPage, "following");

    // Bob scrolls himself: following stops, and Ada no longer sees it.
    await bobPage.locator(".cm-scroller").hover();
    await bobPage.mouse.wheel(0, 600);
    await expect.poll(() => chip.getAttribute("aria-pressed")).toBe("false");
    await bobPage.getByTestId("following").waitFor({ state: "detached" });
    await adaPage.getByTestId("followers").waitFor({ state: "detached", timeout: 10_000 });
    await adaPage.keyboard.press("Control+End");
    await adaPage.waitForTimeout(500);
    expect(await bobPage.locator(".cm-line", { hasText: "const value299 = 299;" }).isVisible()).toBe(false);
  });
});
