import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp } from "../../tools/testing/accounts.ts";
import { browserAvailable, launchBrowser } from "./browser.ts";
import { pageFor, share } from "./product-pages.ts";

const { webUrl, workerUrl } = inject("stack");
/** axe-core's browser build, injected into the page as a script (it runs there, against the live DOM). */
const AXE_PATH = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core on the page (WCAG 2 A and AA rules) and returns the serious and critical violations. */
async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id, impact, help, nodes: nodes.slice(0, 3).map(({ target, failureSummary }) => ({ target: target.map(String), failureSummary })),
    }));
  });
  const serious = violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  if (serious.length > 0) console.log(JSON.stringify(serious, null, 2));
  return serious;
}

describe.skipIf(!browserAvailable())("accessibility: names, focus, and axe-core in both themes", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it.each(["light", "dark"] as const)("list, editor and share dialog have no serious or critical axe violations (%s)", async (scheme) => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await ada.createDocument({ title: "Parser", language: "typescript", content: "export const answer: number = 42;\n// done\n" });
    await ada.createDocument({ title: "Notes", language: "markdown", content: "# Notes\n" });
    await share(ada, docId, bob, "editor");
    const page = await pageFor(browser, webUrl, ada, { viewport: { width: 1100, height: 700 }, colorScheme: scheme });

    await page.goto(webUrl);
    await expect.poll(() => page.getByTestId("doc-item").count(), { timeout: 15_000 }).toBe(2);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
    // Every row's controls have names of their own, not twenty "Language" pickers.
    const names = await page.locator("[data-testid=doc-item] select, [data-testid=doc-item] button").evaluateAll((elements) =>
      elements.map((element) => element.getAttribute("aria-label") ?? element.textContent?.trim()),
    );
    expect(new Set(names).size).toBe(names.length);
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto(`${webUrl}/d/${docId}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=editor][data-language=typescript]").waitFor({ timeout: 15_000 });
    // The editor is named for the document.
    expect(await page.getByRole("textbox", { name: "Parser" }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    // The share dialog: focus stays inside it, both ways round, and axe is happy with it open.
    await page.getByTestId("share-button").click();
    const dialog = page.getByTestId("share-dialog");
    await dialog.waitFor();
    await dialog.getByTestId("member").first().waitFor({ timeout: 10_000 });
    const inside = () => page.evaluate(() => document.querySelector("[data-testid=share-dialog]")!.contains(document.activeElement));
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press("Tab");
      expect(await inside()).toBe(true);
    }
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press("Shift+Tab");
      expect(await inside()).toBe(true);
    }
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    // The sign-in page, signed out, in the same theme.
    const signedOut = await browser.newContext({ viewport: { width: 1100, height: 700 }, colorScheme: scheme });
    const login = await signedOut.newPage();
    await login.goto(`${webUrl}/login`);
    await login.getByTestId("login-input").waitFor();
    expect(await seriousViolations(login)).toEqual([]);
    await signedOut.close();
  });
});
