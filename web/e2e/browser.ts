import { existsSync } from "node:fs";
import { SESSION_COOKIE } from "@collab/protocol";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { testIp, type TestUser } from "../../tools/testing/accounts.ts";

/**
 * Debian's Chromium driven by playwright-core (no browser download). With CI=true a missing browser is a
 * failure, never a skip.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === "true") throw new Error(`CI needs Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
  return false;
}

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The editor's text as the user sees it, without the remote cursors' name labels that sit inside lines. */
export function editorText(page: Page): Promise<string> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll("[data-testid=editor] .cm-line"))
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement;
        copy.querySelectorAll(".cm-ySelectionCaret").forEach((caret) => caret.remove());
        return copy.textContent ?? "";
      })
      .join("\n"),
  );
}

/**
 * A person in a browser context of their own (own cookies and storage, no shared BroadcastChannel). Their
 * requests carry an address of their own in `cf-connecting-ip` (the Vite proxy passes it on), so the
 * worker's per-IP limit on sign-ups and logins counts per person, not for the whole run.
 */
export function newPerson(browser: Browser, ip = testIp()): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1100, height: 640 }, extraHTTPHeaders: { "cf-connecting-ip": ip } });
}

/** A page already signed in as `user` (an account made through the API): its session goes in as the cookie. */
export async function signedInPage(browser: Browser, webUrl: string, user: TestUser): Promise<Page> {
  const context = await newPerson(browser, user.ip);
  await context.addCookies([{ name: SESSION_COOKIE, value: user.token, url: webUrl, httpOnly: true, sameSite: "Lax" }]);
  return context.newPage();
}
