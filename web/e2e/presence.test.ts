import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../../tools/testing/accounts.ts";
import { browserAvailable, launchBrowser, signedInPage } from "./browser.ts";

const { webUrl, workerUrl } = inject("stack");
const RESULTS = join(import.meta.dirname, "..", "..", "test-results");

describe.skipIf(!browserAvailable())("live presence on the document list and in the editor", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  async function openDocument(page: Page, docId: string): Promise<Page> {
    await page.goto(`${webUrl}/d/${docId}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    return page;
  }

  /** Resolves with how long `locator` took to reach `state`. */
  async function timeUntil(locator: Locator, state: "attached" | "detached", timeout: number): Promise<number> {
    const started = performance.now();
    await locator.waitFor({ state, timeout });
    return performance.now() - started;
  }

  // A whole three-person session: generous time, since the machine also runs the servers under test.
  it("avatars follow people in and out of a document; the editor says who joined and left", { timeout: 90_000 }, async () => {
    const [ada, bob, cy] = await Promise.all(["Ada", "Bob", "Cy"].map((name) => signUp(workerUrl, name))) as [TestUser, TestUser, TestUser];
    const docId = await ada.createDocument({ title: "Presence" });
    const otherDoc = await ada.createDocument({ title: "Nobody here" });
    for (const guest of [bob, cy]) {
      const invite = await ada.request(`/api/documents/${docId}/members`, { body: { user: guest.username, role: "editor" } });
      expect(invite.status).toBe(201);
    }

    // Ada watches her list; Bob opens the document: his avatar appears on that row, and only there.
    const adaList = await signedInPage(browser, webUrl, ada);
    await adaList.goto(webUrl);
    await adaList.locator("[data-testid=doc-list][data-presence=stream]").waitFor();
    const row = adaList.locator(`[data-testid=doc-item][data-doc-id="${docId}"]`);
    const avatar = (user: TestUser) => row.locator(`[data-testid=presence-avatar][data-user-id="${user.id}"]`);
    await row.waitFor();
    const bobPage = await openDocument(await signedInPage(browser, webUrl, bob), docId);
    const bobShownMs = await timeUntil(avatar(bob), "attached", 5_000);
    expect(await avatar(bob).getAttribute("title")).toBe("Bob");
    expect((await avatar(bob).textContent())?.trim()).toBe("B");
    expect(await adaList.locator(`[data-testid=doc-item][data-doc-id="${otherDoc}"] [data-testid=doc-presence]`).count()).toBe(0);

    // Ada opens it too, in a second tab: Bob was there first, so that is no news to her. Her editor records
    // every notice it ever shows, so one that came and went by itself still counts.
    const adaTab = await adaList.context().newPage();
    await adaTab.addInitScript(recordNotices);
    const adaEditor = await openDocument(adaTab, docId);
    await expect.poll(() => adaEditor.getByTestId("presence-user").count(), { timeout: 10_000 }).toBe(2);
    // ... but it is to Bob.
    await bobPage.locator("[data-testid=presence-notice][data-kind=joined]", { hasText: "Ada joined" }).waitFor({ timeout: 5_000 });
    // And she is on her own list now, marked as herself.
    await avatar(ada).waitFor({ timeout: 5_000 });
    expect(await avatar(ada).getAttribute("data-self")).toBe("true");
    expect(await avatar(ada).getAttribute("title")).toBe("Ada (you)");

    // Bob's second tab is the same person: no "Bob joined", and closing it is no "Bob left".
    const bobSecond = await openDocument(await bobPage.context().newPage(), docId);
    const bobEntry = adaEditor.locator(`[data-testid=presence-user][data-user-id="${bob.id}"]`);
    await expect.poll(() => bobEntry.textContent(), { timeout: 10_000 }).toContain("×2");
    await bobSecond.close();
    await expect.poll(() => bobEntry.textContent(), { timeout: 10_000 }).not.toContain("×2");

    // Cy comes in: Ada's editor says so, and her list shows all three.
    const cyPage = await openDocument(await signedInPage(browser, webUrl, cy), docId);
    const cyJoined = adaEditor.locator("[data-testid=presence-notice][data-kind=joined]", { hasText: "Cy joined" });
    await cyJoined.waitFor({ timeout: 5_000 });
    expect(await adaEditor.locator("[data-testid=presence-notice]").allTextContents()).toEqual([expect.stringMatching(/Cy\s+joined/)]);
    await avatar(cy).waitFor({ timeout: 5_000 });
    expect(await row.getByTestId("presence-avatar").evaluateAll((els) => els.map((el) => el.getAttribute("data-user-id")))).toEqual([
      ada.id, bob.id, cy.id,
    ]);
    mkdirSync(RESULTS, { recursive: true });
    await adaList.screenshot({ path: join(RESULTS, "presence-list.png") });
    await adaEditor.screenshot({ path: join(RESULTS, "presence-joined.png") });

    // The notice goes away by itself.
    const dismissedMs = await timeUntil(cyJoined, "detached", 6_000);

    // Cy closes the page: Ada's editor says Cy left, and Cy's avatar leaves her list.
    const leftAt = performance.now();
    await cyPage.close();
    await adaEditor.locator("[data-testid=presence-notice][data-kind=left]", { hasText: "Cy left" }).waitFor({ timeout: 5_000 });
    const noticeMs = performance.now() - leftAt;
    await avatar(cy).waitFor({ state: "detached", timeout: 5_000 });
    const avatarGoneMs = performance.now() - leftAt;
    expect(await avatar(bob).count()).toBe(1);

    // Ada heard of Cy only: Bob was there before her, and his second tab was still him.
    expect(await adaEditor.evaluate(() => (window as unknown as NoticeLog).__notices)).toEqual([`joined ${cy.id}`, `left ${cy.id}`]);
    console.log(
      `presence: Bob's avatar ${bobShownMs.toFixed(0)} ms after he was live; "Cy joined" dismissed ${dismissedMs.toFixed(0)} ms after showing; ` +
        `"Cy left" ${noticeMs.toFixed(0)} ms and the avatar gone ${avatarGoneMs.toFixed(0)} ms after Cy closed the page`,
    );
  });
});

interface NoticeLog {
  __notices: string[];
}

/** Runs in the page before its own scripts: logs `"<kind> <user id>"` for every presence notice shown. */
function recordNotices(): void {
  const log: string[] = ((window as unknown as NoticeLog).__notices = []);
  new MutationObserver((records) => {
    for (const record of records)
      for (const node of record.addedNodes)
        if (node instanceof HTMLElement && node.dataset.testid === "presence-notice") log.push(`${node.dataset.kind} ${node.dataset.userId}`);
  }).observe(document, { childList: true, subtree: true });
}
