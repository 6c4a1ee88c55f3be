import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { browserAvailable, editorText, launchBrowser, newPerson } from "./browser.ts";

const { webUrl } = inject("stack");
const RESULTS = join(import.meta.dirname, "..", "..", "test-results");
const PASSWORD = "correct horse battery staple";

describe.skipIf(!browserAvailable())("accounts and sharing, through the pages", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  /** Fills the register form (the page must be on /register) and waits until it has moved on. */
  async function register(page: Page, name: string): Promise<string> {
    const username = `${name}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`.toLowerCase();
    await page.getByTestId("register-username").fill(username);
    await page.getByTestId("register-email").fill(`${username}@example.test`);
    await page.getByTestId("register-password").fill(PASSWORD);
    await page.getByTestId("register-display-name").fill(name);
    await page.getByTestId("register-submit").click();
    await page.waitForURL((url) => url.pathname !== "/register");
    return username;
  }

  it("owner shares a view link; the viewer cannot type until promoted, and is shut out when removed", async () => {
    const ann = await (await newPerson(browser)).newPage();
    await ann.goto(webUrl);
    // Signed out: the list sends you to sign in.
    await ann.getByTestId("login-input").waitFor();
    await ann.getByTestId("register-link").click();

    // The form shows the contract's own messages beside each field.
    await ann.getByTestId("register-username").fill("a!");
    await ann.getByTestId("register-submit").click();
    await expect.poll(() => ann.locator("[data-testid=field-error][data-field=username]").textContent()).toContain("at least 3");

    await register(ann, "Ann");
    await ann.getByTestId("doc-list").waitFor();
    await ann.getByTestId("new-doc-title").fill("Shared notes");
    await ann.getByTestId("new-doc-submit").click();
    await ann.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    expect(await ann.getByTestId("doc-role").getAttribute("data-role")).toBe("owner");
    await ann.locator("[data-testid=editor] .cm-content").click();
    await ann.keyboard.type("hello from Ann");

    await ann.getByTestId("share-button").click();
    await ann.getByTestId("link-role").selectOption("viewer");
    await ann.getByTestId("link-create").click();
    const link = await ann.getByTestId("link-url").first().inputValue();
    expect(new URL(link).pathname).toMatch(/^\/share\//);
    await ann.keyboard.press("Escape");

    // Ben opens the link signed out: sign up, come back to the link, land in the document.
    const ben = await (await newPerson(browser)).newPage();
    await ben.goto(link);
    await ben.getByTestId("register-link").click();
    await register(ben, "Ben");
    await ben.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    await expect.poll(() => editorText(ben), { timeout: 10_000 }).toContain("hello from Ann");
    await ben.getByTestId("read-only-badge").waitFor();
    expect(await ben.getByTestId("language").isDisabled()).toBe(true);
    await ben.locator("[data-testid=editor] .cm-content").click();
    await ben.keyboard.type("let me in");
    await expect.poll(() => ann.getByTestId("presence-user").allTextContents(), { timeout: 10_000 }).toEqual(
      expect.arrayContaining([expect.stringContaining("Ben")]),
    );
    expect(await editorText(ben)).not.toContain("let me in");
    mkdirSync(RESULTS, { recursive: true });
    await ben.screenshot({ path: join(RESULTS, "viewer-read-only.png") });

    // Ann makes Ben an editor: his socket is closed with 4409, he reconnects with the new role and can type.
    await ann.getByTestId("share-button").click();
    const benMember = ann.locator("[data-testid=member]").filter({ hasText: "Ben" });
    await benMember.getByTestId("member-role").selectOption("editor");
    await ben.getByTestId("role-notice").waitFor({ timeout: 10_000 });
    await ben.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    expect(await ben.getByTestId("read-only-badge").count()).toBe(0);
    await ben.locator("[data-testid=editor] .cm-content").click();
    await ben.keyboard.press("Control+End");
    await ben.keyboard.type(" and Ben");
    await expect.poll(() => editorText(ann), { timeout: 10_000 }).toContain("and Ben");

    // Ann removes Ben: his page says so and stops.
    await benMember.getByTestId("member-remove").click();
    await ben.getByTestId("doc-forbidden").waitFor({ timeout: 10_000 });
  });
});
