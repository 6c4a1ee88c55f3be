import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp } from "../../tools/testing/accounts.ts";
import { browserAvailable, editorText, launchBrowser } from "./browser.ts";
import { PHONE, openDocument, pageFor, screenshot, share } from "./product-pages.ts";

const { webUrl, workerUrl } = inject("stack");

const titlesOnScreen = (page: Page) => page.getByTestId("doc-item").locator("[data-testid=doc-open]").allInnerTexts();

describe.skipIf(!browserAvailable())("the document list: search, sort, trash and undo", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it("searches titles as you type (debounced) and sorts by recent or name", async () => {
    const ada = await signUp(workerUrl, "Ada");
    for (const title of ["parser notes", "Zebra crossing", "apple.ts", "Parser tests", "budget"]) await ada.createDocument({ title });
    const page = await pageFor(browser, webUrl, ada);
    const requests: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/documents?")) requests.push(request.url());
    });
    await page.goto(webUrl);
    await expect.poll(() => titlesOnScreen(page), { timeout: 15_000 }).toEqual(["budget", "Parser tests", "apple.ts", "Zebra crossing", "parser notes"]);

    await page.getByTestId("doc-sort").selectOption("name");
    await expect.poll(() => titlesOnScreen(page)).toEqual(["apple.ts", "budget", "parser notes", "Parser tests", "Zebra crossing"]);

    const before = requests.length;
    await page.getByTestId("doc-search").pressSequentially("PARSER", { delay: 30 });
    await expect.poll(() => titlesOnScreen(page)).toEqual(["parser notes", "Parser tests"]);
    // One request for the pause, not one per keystroke.
    const searches = requests.slice(before).filter((url) => url.includes("q="));
    console.log(`search requests for 6 keystrokes: ${searches.length}`);
    expect(searches.length).toBeLessThanOrEqual(2);
    expect(searches.at(-1)).toContain("q=PARSER");
    expect(searches.at(-1)).toContain("sort=name");
    await screenshot(page, "list-search", true);

    await page.getByTestId("doc-search").fill("nothing like this");
    await expect.poll(() => page.getByTestId("doc-list-empty").innerText()).toContain("No titles contain");
    await page.getByTestId("doc-search").fill("");
    await expect.poll(() => titlesOnScreen(page)).toHaveLength(5);
  });

  it("delete moves to the trash with Undo; the Trash view restores; an open editor closes at once", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const keep = await ada.createDocument({ title: "keep me" });
    const docId = await ada.createDocument({ title: "plans.md", language: "markdown", content: "# Plans\n" });
    await share(ada, docId, bob, "editor");
    const bobPage = await openDocument(await pageFor(browser, webUrl, bob), webUrl, docId);

    const page = await pageFor(browser, webUrl, ada);
    await page.goto(webUrl);
    const row = page.locator(`[data-testid=doc-item][data-doc-id="${docId}"]`);
    await row.getByTestId("doc-delete").click();
    await row.getByTestId("doc-delete-confirm").click();
    await expect.poll(() => page.getByTestId("trash-toast").innerText()).toContain("plans.md");
    expect(await row.count()).toBe(0);
    // Bob's editor is closed by the room (4404) and says so.
    await bobPage.getByTestId("doc-deleted").waitFor({ timeout: 15_000 });
    await screenshot(page, "list-undo", true);

    await page.getByTestId("trash-undo").click();
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId("trash-toast").count()).toBe(0);

    // Delete again, and restore from the Trash view instead.
    await row.getByTestId("doc-delete").click();
    await row.getByTestId("doc-delete-confirm").click();
    await expect.poll(() => row.count()).toBe(0);
    await page.getByTestId("filter-trash").click();
    const trashed = page.locator(`[data-testid=trash-item][data-doc-id="${docId}"]`);
    await trashed.waitFor({ timeout: 15_000 });
    expect(await trashed.innerText()).toContain("removed for good in 30 days");
    expect(await page.locator(`[data-testid=trash-item][data-doc-id="${keep}"]`).count()).toBe(0);
    await screenshot(page, "list-trash", true);
    await trashed.getByTestId("trash-restore").click();
    await expect.poll(() => trashed.count()).toBe(0);
    await page.getByTestId("filter-all").click();
    await row.waitFor({ timeout: 15_000 });

    // It opens again with its text, for its owner and for Bob.
    await row.getByTestId("doc-open").click();
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    await expect.poll(() => editorText(page)).toBe("# Plans\n");
    const bobAgain = await openDocument(await pageFor(browser, webUrl, bob), webUrl, docId);
    await expect.poll(() => editorText(bobAgain)).toBe("# Plans\n");
  });

  it("fits a phone: the search, sort and filters do not scroll sideways", async () => {
    const ada = await signUp(workerUrl, "Ada");
    await ada.createDocument({ title: "phone" });
    const page = await pageFor(browser, webUrl, ada, PHONE);
    await page.goto(webUrl);
    await page.getByTestId("doc-item").first().waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.getByTestId("doc-search").isVisible()).toBe(true);
    expect(await page.getByTestId("filter-trash").isVisible()).toBe(true);
    // Each filter's label on one line.
    const heights = await page.locator("[data-testid^=filter-]").evaluateAll((buttons) => buttons.map((button) => button.getBoundingClientRect().height));
    expect(Math.max(...heights)).toBeLessThan(40);
    await screenshot(page, "phone-list-toolbar");
  });
});
