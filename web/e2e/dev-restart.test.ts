import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { SESSION_COOKIE } from "@collab/protocol";
import type { Browser } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp } from "../../tools/testing/accounts.ts";
import { browserAvailable, editorText, launchBrowser, newPerson } from "./browser.ts";
import { RoomCutter } from "./room-cutter.ts";

const { workerUrl, partyUrl } = inject("stack");
const WEB_ROOT = join(import.meta.dirname, "..");

/**
 * Issue 9, "dev restarts": a restart of the Vite dev server makes every open page reload once the server is
 * back. A page holding changes the room has not acknowledged must not reload then; once they are saved it
 * may. This suite runs its own Vite dev server (the shared stack's must stay up for the others) in front of
 * the shared worker and party, and restarts it on the same port.
 */
describe.skipIf(!browserAvailable())("a dev server restart", { timeout: 300_000 }, () => {
  let browser: Browser;
  let server: ViteDevServer | undefined;
  let port: number;

  async function startVite(): Promise<ViteDevServer> {
    process.env.WORKER_URL = workerUrl;
    process.env.PARTY_URL = partyUrl;
    process.env.WEB_PORT = String(port);
    const vite = await createServer({ root: WEB_ROOT, configFile: join(WEB_ROOT, "vite.config.ts"), logLevel: "silent", clearScreen: false });
    await vite.listen();
    return vite;
  }

  beforeAll(async () => {
    port = await freePort();
    browser = await launchBrowser();
    server = await startVite();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("does not reload a page with unsynced changes; reloads it once they are saved, and nothing is lost", async () => {
    const user = await signUp(workerUrl, "Ada");
    const docId = await user.createDocument({ title: "Dev restart" });
    const webUrl = `http://127.0.0.1:${port}`;
    const context = await newPerson(browser, user.ip);
    await context.addCookies([{ name: SESSION_COOKIE, value: user.token, url: webUrl, httpOnly: true, sameSite: "Lax" }]);
    const room = await RoomCutter.install(context);
    context.setDefaultTimeout(90_000);
    const page = await context.newPage();
    await page.goto(`${webUrl}/d/${docId}`, { waitUntil: "domcontentloaded" });
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 90_000 });
    // Survives only as long as the page is not reloaded.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    const marked = () => page.evaluate(() => (window as unknown as { marker?: number }).marker === 1).catch(() => false);

    await room.cut();
    await page.locator("[data-testid=editor] .cm-content").click();
    await page.keyboard.type("typed before the dev server restarted");
    await expect.poll(() => page.getByTestId("sync-state").getAttribute("data-unsynced")).not.toBe("0");

    await server!.close();
    server = await startVite();
    // Vite's client polls for the server every second and reloads once it answers: give it plenty of time.
    await page.waitForTimeout(6_000);
    expect(await marked()).toBe(true);
    expect(await editorText(page)).toBe("typed before the dev server restarted");

    // Saved: the held reload happens, and the text is in the room.
    room.restore();
    await page.evaluate(() => window.dispatchEvent(new Event("online"))).catch(() => {});
    await expect.poll(marked, { timeout: 60_000 }).toBe(false);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 30_000 });
    expect(await editorText(page)).toBe("typed before the dev server restarted");
    await expect.poll(() => page.getByTestId("sync-state").getAttribute("data-unsynced"), { timeout: 30_000 }).toBe("0");
    await context.close();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
