import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SESSION_COOKIE } from "@collab/protocol";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp } from "../../tools/testing/accounts.ts";
import { buildWeb, startWebPreview } from "../../tools/stack/servers.ts";
import { freePort, type Service } from "../../tools/stack/service.ts";
import { browserAvailable, editorText, launchBrowser, newPerson } from "./browser.ts";

const { workerUrl, partyUrl } = inject("stack");

/**
 * Issue 9's app shell: a production build (the dev server never registers a service worker) under `vite
 * preview`, proxying to the test stack. With the network gone, `/d/:id` still opens, from the service
 * worker's cache, and shows the document from the local copy; what is typed then reaches the room later.
 */
describe.skipIf(!browserAvailable())("the installed app with no network (production build)", { timeout: 300_000 }, () => {
  let browser: Browser;
  let preview: Service | undefined;
  let previewUrl = "";
  const outDir = mkdtempSync(join(tmpdir(), "collab-web-build-"));

  beforeAll(async () => {
    await buildWeb(outDir);
    const port = await freePort();
    preview = await startWebPreview({
      port,
      outDir,
      workerUrl,
      partyUrl,
      proxySecret: process.env.TRUSTED_PROXY_SECRET ?? "",
      forwardClientIp: true,
      quiet: process.env.STACK_LOGS !== "1",
    });
    previewUrl = `http://127.0.0.1:${port}`;
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it("opens /d/:id offline from the service worker's cache, shows the local copy, and syncs what was typed", async () => {
    const ada = await signUp(workerUrl, "Ada");
    const docId = await ada.createDocument({ title: "Offline shell", content: "from the room\n" });
    const context = await newPerson(browser, ada.ip);
    context.setDefaultTimeout(60_000);
    await context.addCookies([{ name: SESSION_COOKIE, value: ada.token, url: previewUrl, httpOnly: true, sameSite: "Lax" }]);
    const page = await context.newPage();
    await page.goto(`${previewUrl}/d/${docId}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor();
    // Installed (the app shell precached); from the next visit on it controls the page.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await page.locator("[data-testid=status][data-status=live]").waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await expect.poll(() => page.getByTestId("sync-state").getAttribute("data-unsynced")).toBe("0");
    await expect.poll(() => page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name))).toContain(`collab:${ada.id}:${docId}`);

    await context.setOffline(true);
    await page.goto(`${previewUrl}/d/${docId}`);
    await page.locator("[data-testid=status][data-status=offline]").waitFor();
    await expect.poll(() => editorText(page)).toBe("from the room\n");
    await page.locator("[data-testid=editor] .cm-content").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("typed with no network\n");
    await expect.poll(() => page.getByTestId("sync-state").textContent()).toContain("kept on this device");

    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event("online")));
    await page.locator("[data-testid=status][data-status=live]").waitFor();
    await expect
      .poll(async () => ((await (await ada.request(`/api/documents/${docId}`)).json()) as { text: string }).text, { timeout: 30_000 })
      .toBe("from the room\ntyped with no network\n");
    await context.close();
  });
});
