import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SESSION_COOKIE } from "@collab/protocol";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../../tools/testing/accounts.ts";
import { browserAvailable, editorText, launchBrowser } from "./browser.ts";

const { webUrl, workerUrl } = inject("stack");
const RESULTS = join(import.meta.dirname, "..", "..", "test-results");
/** README's screenshots: `UPDATE_SCREENSHOTS=1` copies the ones this suite makes into docs/screenshots. */
const README_SHOTS = join(import.meta.dirname, "..", "..", "docs", "screenshots");

async function screenshot(page: Page, name: string, forReadme = false): Promise<void> {
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path });
  if (forReadme && process.env.UPDATE_SCREENSHOTS === "1") copyFileSync(path, join(README_SHOTS, `${name}.png`));
}
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 } satisfies BrowserContextOptions;
const DESKTOP = { viewport: { width: 1100, height: 640 } } satisfies BrowserContextOptions;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Relative luminance contrast of two CSS `rgb(...)` colours (WCAG 2). */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, bl] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((part) => {
      const c = Number(part) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

// Several people, sign-ups and a dozen round trips per test: 30 s is too little on a loaded 2-core machine.
describe.skipIf(!browserAvailable())("the everyday product: phones, dark mode, live rename, download, status bar, follow", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
    mkdirSync(RESULTS, { recursive: true });
  });
  afterAll(() => browser?.close());

  async function pageFor(user: TestUser, options: BrowserContextOptions = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ ...options, extraHTTPHeaders: { "cf-connecting-ip": user.ip } });
    await context.addCookies([{ name: SESSION_COOKIE, value: user.token, url: webUrl, httpOnly: true, sameSite: "Lax" }]);
    return context.newPage();
  }

  async function openDocument(page: Page, docId: string): Promise<Page> {
    await page.goto(`${webUrl}/d/${docId}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=editor] .cm-content").waitFor({ timeout: 15_000 });
    return page;
  }

  async function share(owner: TestUser, docId: string, user: TestUser, role: "editor" | "viewer"): Promise<void> {
    const response = await owner.request(`/api/documents/${docId}/members`, { body: { user: user.username, role } });
    expect(response.status).toBe(201);
  }

  it("phones: titles are visible in the list, controls stay off the role badge, the editor header is one row", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const shared = await bob.createDocument({ title: "Bob's shared design notes for the parser", language: "markdown" });
    await share(bob, shared, ada, "editor");
    const docId = await ada.createDocument({ title: "three.js", language: "javascript", content: "const scene = new Scene();\n" });
    await ada.createDocument({ title: "A rather long title that has to be cut short on a phone screen" });

    const page = await pageFor(ada, PHONE);
    await page.goto(webUrl);
    await expect.poll(() => page.getByTestId("doc-item").count(), { timeout: 15_000 }).toBe(3);
    for (const row of await page.getByTestId("doc-item").all()) {
      const title = (await row.getByTestId("doc-open").boundingBox())!;
      const badge = (await row.getByTestId("doc-role").boundingBox())!;
      console.log(`phone list row: title ${Math.round(title.width)} px wide`);
      expect(title.width).toBeGreaterThan(120);
      expect(title.x + title.width).toBeLessThanOrEqual(390);
      for (const control of await row.locator("button, select").all()) {
        expect(overlaps((await control.boundingBox())!, badge)).toBe(false);
        expect(overlaps((await control.boundingBox())!, title)).toBe(false);
      }
    }
    // Nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "phone-list", true);

    await openDocument(page, docId);
    await screenshot(page, "phone-editor");
    const header = (await page.locator("header.topbar").boundingBox())!;
    console.log(`phone editor header: ${Math.round(header.height)} px tall`);
    expect(header.height).toBeLessThan(56);
    const heights = await page.locator("header.topbar > *").evaluateAll((children) =>
      children.filter((child) => (child as HTMLElement).offsetWidth > 0).map((child) => child.getBoundingClientRect().top),
    );
    expect(Math.max(...heights) - Math.min(...heights)).toBeLessThan(12);
    expect(await page.getByTestId("doc-title").isVisible()).toBe(true);
    expect((await page.getByTestId("doc-title").boundingBox())!.width).toBeGreaterThan(40);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // The same list on a desktop, for the README.
    const desktop = await pageFor(ada);
    await desktop.goto(webUrl);
    await expect.poll(() => desktop.getByTestId("doc-item").count(), { timeout: 15_000 }).toBe(3);
    await screenshot(desktop, "list", true);
  });

  it("dark mode follows the system, the toggle is remembered, and the editor is readable in both", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const content = Array.from({ length: 12 }, (_, i) => `export function step${i}(input: number): number {\n  return input * ${i}; // scale\n}`).join("\n");
    const docId = await ada.createDocument({ title: "steps.ts", language: "typescript", content });
    await share(ada, docId, bob, "editor");
    const page = await pageFor(ada);
    await page.emulateMedia({ colorScheme: "dark" });
    await openDocument(page, docId);
    const bobPage = await openDocument(await pageFor(bob), docId);
    // Bob selects a few words, so Ada sees his caret, label and selection.
    await bobPage.locator(".cm-line").nth(4).click();
    await bobPage.keyboard.press("Home");
    await bobPage.keyboard.press("Shift+End");
    await page.locator(".cm-ySelectionInfo", { hasText: "Bob" }).waitFor({ timeout: 10_000 });
    await page.locator("[data-testid=editor][data-language=typescript]").waitFor({ timeout: 10_000 });

    const colors = () =>
      page.evaluate(() => {
        const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
        return {
          theme: document.documentElement.dataset.theme,
          body: style("body").backgroundColor,
          text: style("body").color,
          editor: style(".cm-editor").backgroundColor,
          gutter: style(".cm-gutters").backgroundColor,
          lineNumber: style(".cm-lineNumbers .cm-gutterElement:not(.cm-activeLineGutter):nth-child(4)").color,
          code: style(".cm-line").color,
          keyword: getComputedStyle(Array.from(document.querySelectorAll(".cm-line span")).find((el) => el.textContent === "function")!).color,
          status: style("[data-testid=status-bar]").color,
          statusBackground: style("[data-testid=status-bar]").backgroundColor,
        };
      });
    const dark = await colors();
    console.log("dark", dark);
    expect(dark.theme).toBe("dark");
    expect(contrast(dark.editor, "rgb(255, 255, 255)")).toBeGreaterThan(10);
    for (const [name, color] of [["text", dark.text], ["code", dark.code], ["keyword", dark.keyword]] as const) {
      expect(contrast(color, dark.editor), name).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast(dark.lineNumber, dark.gutter)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(dark.status, dark.statusBackground)).toBeGreaterThanOrEqual(4.5);
    // The search panel, in the app's colours.
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+f");
    await page.keyboard.type("return");
    const panel = await page.evaluate(() => {
      const input = getComputedStyle(document.querySelector(".cm-search input[name=search]")!);
      const panel = getComputedStyle(document.querySelector(".cm-panels")!);
      return { panel: panel.backgroundColor, text: panel.color, input: input.backgroundColor, inputText: input.color };
    });
    expect(contrast(panel.text, panel.panel)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(panel.inputText, panel.input)).toBeGreaterThanOrEqual(4.5);
    await screenshot(page, "editor-dark", true);

    // The toggle wins over the system, and is remembered across a reload.
    await page.getByTestId("theme-toggle").click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    await openDocument(page, docId);
    await page.locator(".cm-ySelectionInfo", { hasText: "Bob" }).waitFor({ timeout: 10_000 });
    const light = await colors();
    console.log("light", light);
    expect(light.theme).toBe("light");
    expect(contrast(light.editor, "rgb(0, 0, 0)")).toBeGreaterThan(10);
    expect(contrast(light.lineNumber, light.gutter)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(light.keyword, light.editor)).toBeGreaterThanOrEqual(4.5);
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+f");
    await page.keyboard.type("return");
    await screenshot(page, "editor-light", true);

    // With no choice remembered, the system setting decides, live.
    await page.evaluate(() => localStorage.removeItem("collab:theme"));
    await page.reload();
    await page.emulateMedia({ colorScheme: "light" });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    await page.emulateMedia({ colorScheme: "dark" });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
  });

  it("a rename or a language switch reaches everyone: editors' headers and tab titles, and the lists", async () => {
    const [ada, bob, cy] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob"), signUp(workerUrl, "Cy")]);
    const docId = await ada.createDocument({ title: "Draft", language: "plaintext", content: "hello\n" });
    await share(ada, docId, bob, "editor");
    await share(ada, docId, cy, "viewer");
    const adaPage = await openDocument(await pageFor(ada), docId);
    const bobPage = await openDocument(await pageFor(bob), docId);
    const cyList = await pageFor(cy);
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
    const cyEditor = await openDocument(await pageFor(cy), docId);
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

  it("downloads the live text of the open editor, named once with its extension", async () => {
    const ada = await signUp(workerUrl, "Ada");
    const docId = await ada.createDocument({ title: "three.js", language: "javascript", content: "" });
    const page = await openDocument(await pageFor(ada), docId);
    await page.locator("[data-testid=editor] .cm-content").click();
    const typed = "const renderer = new WebGLRenderer();\nrenderer.setSize(640, 480);";
    await page.keyboard.type(typed);
    // At once, before any snapshot could have been saved.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download").click()]);
    expect(download.suggestedFilename()).toBe("three.js");
    const saved = readFileSync((await download.path())!, "utf8");
    expect(saved).toBe(await editorText(page));
    expect(saved).toContain("renderer.setSize(640, 480);");
  });

  it("status bar: position, selection, language, indentation, people; go to line; shortcut help", async () => {
    const ada = await signUp(workerUrl, "Ada");
    const content = Array.from({ length: 60 }, (_, i) => `line ${i + 1}`).join("\n");
    const docId = await ada.createDocument({ title: "lines.txt", content });
    const page = await openDocument(await pageFor(ada), docId);
    const bar = page.getByTestId("status-bar");
    await page.locator(".cm-line").first().click();
    await page.keyboard.press("End");
    await expect.poll(() => bar.getByTestId("cursor-position").textContent()).toContain("Ln 1, Col 7");
    await page.keyboard.press("Shift+Home");
    await expect.poll(() => bar.getByTestId("selection-length").textContent()).toContain("6 selected");
    expect(await bar.getByTestId("indentation").textContent()).toContain("Spaces: 2");
    expect(await bar.getByTestId("language").inputValue()).toBe("plaintext");
    expect(await bar.getByTestId("presence-user").allTextContents()).toEqual([expect.stringContaining("Ada")]);

    // Ctrl+G: go to line 42.
    await page.keyboard.press("Control+g");
    const input = page.locator(".cm-goto-line input");
    await input.waitFor();
    await input.fill("42");
    await input.press("Enter");
    await expect.poll(() => bar.getByTestId("cursor-position").textContent()).toContain("Ln 42, Col 1");
    expect(await page.locator(".cm-line", { hasText: /^line 42$/ }).isVisible()).toBe(true);

    // `?` outside the editor opens the shortcut help; inside the editor it is just a character.
    await page.keyboard.press("Escape");
    await page.getByTestId("cursor-position").focus();
    await page.keyboard.press("?");
    const help = page.getByTestId("shortcut-help");
    await help.waitFor();
    expect(await help.textContent()).toContain("Go to line");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });
    await page.keyboard.press("Control+/");
    await help.waitFor();
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });
  });

  it("follow a collaborator: the view scrolls with them, they see it, and scrolling stops it", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const content = Array.from({ length: 300 }, (_, i) => `const value${i} = ${i};`).join("\n");
    const docId = await ada.createDocument({ title: "long.js", language: "javascript", content });
    // Bob only views: following works for viewers too.
    await share(ada, docId, bob, "viewer");
    const adaPage = await openDocument(await pageFor(ada), docId);
    const bobPage = await openDocument(await pageFor(bob), docId);
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
