import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp } from "../../tools/testing/accounts.ts";
import { browserAvailable, editorText, launchBrowser } from "./browser.ts";
import { PHONE, contrast, openDocument, overlaps, pageFor, screenshot, share } from "./product-pages.ts";

const { webUrl, workerUrl } = inject("stack");

// Several people, sign-ups and a dozen round trips per test: 30 s is too little on a loaded 2-core machine.
describe.skipIf(!browserAvailable())("the everyday product: phones, dark mode, download, status bar", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it("phones: titles are visible in the list, controls stay off the role badge, the editor header is one row", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const shared = await bob.createDocument({ title: "Bob's shared design notes for the parser", language: "markdown" });
    await share(bob, shared, ada, "editor");
    const docId = await ada.createDocument({ title: "three.js", language: "javascript", content: "const scene = new Scene();\n" });
    await ada.createDocument({ title: "A rather long title that has to be cut short on a phone screen" });

    const page = await pageFor(browser, webUrl, ada, PHONE);
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

    await openDocument(page, webUrl, docId);
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
    // Every control of the status bar is on screen, none hidden past its right edge.
    const bar = page.getByTestId("status-bar");
    expect(await bar.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
    for (const testid of ["blame-button", "shortcuts-button"]) {
      const box = (await bar.getByTestId(testid).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }

    // The same list on a desktop, for the README.
    const desktop = await pageFor(browser, webUrl, ada);
    await desktop.goto(webUrl);
    await expect.poll(() => desktop.getByTestId("doc-item").count(), { timeout: 15_000 }).toBe(3);
    await screenshot(desktop, "list", true);
  });

  it("dark mode follows the system, the toggle is remembered, and the editor is readable in both", async () => {
    const [ada, bob] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const content = Array.from({ length: 12 }, (_, i) => `export function step${i}(input: number): number {\n  return input * ${i}; // scale\n}`).join("\n");
    const docId = await ada.createDocument({ title: "steps.ts", language: "typescript", content });
    await share(ada, docId, bob, "editor");
    const page = await pageFor(browser, webUrl, ada);
    await page.emulateMedia({ colorScheme: "dark" });
    await openDocument(page, webUrl, docId);
    const bobPage = await openDocument(await pageFor(browser, webUrl, bob), webUrl, docId);
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
    await openDocument(page, webUrl, docId);
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

  it("downloads the live text of the open editor, named once with its extension", async () => {
    const ada = await signUp(workerUrl, "Ada");
    const docId = await ada.createDocument({ title: "three.js", language: "javascript", content: "" });
    const page = await openDocument(await pageFor(browser, webUrl, ada), webUrl, docId);
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
    const page = await openDocument(await pageFor(browser, webUrl, ada), webUrl, docId);
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
    await screenshot(page, "shortcut-help");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });
    await page.keyboard.press("Control+/");
    await help.waitFor();
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });
  });
});
