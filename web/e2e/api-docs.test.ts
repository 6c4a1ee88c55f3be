import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { browserAvailable, launchBrowser } from "./browser.ts";

const { webUrl } = inject("stack");
const RESULTS = join(import.meta.dirname, "..", "..", "test-results");

describe.skipIf(!browserAvailable())("the API docs", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it("render every route with the network blocked beyond this origin", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const origin = new URL(webUrl).origin;
    const blocked: string[] = [];
    // Only this app's own origin answers: a script or stylesheet from anywhere else (a CDN) never loads.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      blocked.push(url);
      return route.abort("internetdisconnected");
    });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
    await page.goto(`${webUrl}/api/docs`);
    await page.locator(".opblock").first().waitFor({ timeout: 30_000 });
    const spec = (await (await fetch(`${webUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(spec.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    await expect.poll(() => page.locator(".opblock").count()).toBe(operations);
    await expect(page.locator(".info .title").textContent()).resolves.toContain("collab-editor API");
    expect(blocked).toEqual([]);
    expect(problems).toEqual([]);
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, "api-docs.png") });
    await context.close();
  });
});
