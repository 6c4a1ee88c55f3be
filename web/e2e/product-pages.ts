import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { SESSION_COOKIE } from "@collab/protocol";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { expect } from "vitest";
import type { TestUser } from "../../tools/testing/accounts.ts";

/** Helpers shared by the product suites (product, collaboration, accessibility). */

export const RESULTS = join(import.meta.dirname, "..", "..", "test-results");
/** README's screenshots: `UPDATE_SCREENSHOTS=1` copies the ones the suites make into docs/screenshots. */
const README_SHOTS = join(import.meta.dirname, "..", "..", "docs", "screenshots");

export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 } satisfies BrowserContextOptions;
export const DESKTOP = { viewport: { width: 1100, height: 640 } } satisfies BrowserContextOptions;

/** Saves a screenshot under test-results/ (and, for the README, docs/screenshots/ when asked to). */
export async function screenshot(page: Page, name: string, forReadme = false): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path });
  if (forReadme && process.env.UPDATE_SCREENSHOTS === "1") copyFileSync(path, join(README_SHOTS, `${name}.png`));
}

/** A page signed in as `user`, in a browser context of its own (own cookies, storage and address). */
export async function pageFor(browser: Browser, webUrl: string, user: TestUser, options: BrowserContextOptions = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ ...options, extraHTTPHeaders: { "cf-connecting-ip": user.ip } });
  await context.addCookies([{ name: SESSION_COOKIE, value: user.token, url: webUrl, httpOnly: true, sameSite: "Lax" }]);
  return context.newPage();
}

/** Opens a document and waits until the room is live and the editor is there. */
export async function openDocument(page: Page, webUrl: string, docId: string): Promise<Page> {
  await page.goto(`${webUrl}/d/${docId}`);
  await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
  await page.locator("[data-testid=editor] .cm-content").waitFor({ timeout: 15_000 });
  return page;
}

export async function share(owner: TestUser, docId: string, user: TestUser, role: "editor" | "viewer"): Promise<void> {
  const response = await owner.request(`/api/documents/${docId}/members`, { body: { user: user.username, role } });
  expect(response.status).toBe(201);
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** WCAG 2 contrast ratio of two CSS `rgb(...)` colours. */
export function contrast(a: string, b: string): number {
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
