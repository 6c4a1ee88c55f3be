import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SESSION_COOKIE } from "@collab/protocol";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../../tools/testing/accounts.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, browserAvailable, editorText, launchBrowser, newPerson } from "./browser.ts";
import { RoomCutter } from "./room-cutter.ts";

const { webUrl, workerUrl } = inject("stack");
const RESULTS = join(import.meta.dirname, "..", "..", "test-results");
const EDITOR = "[data-testid=editor] .cm-content";

/**
 * Issue 9: nothing typed in the browser is lost, and the status tells the truth. Each person is a browser
 * context of their own (own IndexedDB, no shared BroadcastChannel); the room socket is cut with
 * `routeWebSocket` (RoomCutter).
 */
describe.skipIf(!browserAvailable())("offline-first editor", { timeout: 240_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  interface Person {
    user: TestUser;
    context: BrowserContext;
    page: Page;
    room: RoomCutter;
  }

  /** `routed: false` leaves the room socket alone (Playwright's routing relays every frame through itself). */
  async function person(user: TestUser, context?: BrowserContext, { routed = true } = {}): Promise<Person> {
    context ??= await newPerson(browser, user.ip);
    await context.addCookies([{ name: SESSION_COOKIE, value: user.token, url: webUrl, httpOnly: true, sameSite: "Lax" }]);
    const room = routed ? await RoomCutter.install(context) : new RoomCutter();
    // The machine running these is shared and loaded: a Vite dev page can take long to load.
    context.setDefaultTimeout(60_000);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") console.log(`[${user.displayName} console] ${message.text()}`);
    });
    page.on("pageerror", (error) => console.log(`[${user.displayName} page error] ${error.message}`));
    return { user, context, page, room };
  }

  async function open(who: Person, docId: string, status: "live" | "offline" = "live"): Promise<void> {
    await who.page.goto(`${webUrl}/d/${docId}`, { waitUntil: "domcontentloaded" });
    await who.page.locator(`[data-testid=status][data-status=${status}]`).waitFor({ timeout: 60_000 });
  }

  async function typeAtEnd(page: Page, text: string): Promise<void> {
    await page.locator(EDITOR).click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(text);
  }

  /** Back online: restore the socket, and say so, so the client skips its backoff (as the browser would). */
  async function reconnect(who: Person): Promise<void> {
    who.room.restore();
    await who.page.evaluate(() => window.dispatchEvent(new Event("online")));
  }

  async function sharedDocument(owner: TestUser, other: TestUser, content = ""): Promise<string> {
    const docId = await owner.createDocument({ title: "Offline", content });
    const invite = await owner.request(`/api/documents/${docId}/members`, { body: { user: other.username, role: "editor" } });
    expect(invite.status).toBe(201);
    return docId;
  }

  const unsynced = (page: Page) => page.getByTestId("sync-state").getAttribute("data-unsynced");

  it("1: text typed while the room is cut survives a reload, and reaches another person once it is back", async () => {
    const [adaUser, bobUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await sharedDocument(adaUser, bobUser);
    const [ada, bob] = await Promise.all([person(adaUser), person(bobUser)]);
    await Promise.all([open(ada, docId), open(bob, docId)]);

    await ada.room.cut();
    await ada.page.locator("[data-testid=status][data-status=offline]").waitFor({ timeout: 60_000 });
    await typeAtEnd(ada.page, "typed while cut");
    await expect.poll(() => unsynced(ada.page)).not.toBe("0");
    // Committed to IndexedDB before the page goes: "kept" only shows once it is (data-local="kept").
    await expect.poll(() => ada.page.getByTestId("sync-state").textContent()).toContain("Offline: changes are kept on this device");

    await ada.page.reload();
    await ada.page.locator(EDITOR).waitFor({ timeout: 60_000 });
    expect(await editorText(ada.page)).toBe("typed while cut");
    expect(Number(await unsynced(ada.page))).toBeGreaterThan(0);
    expect(await editorText(bob.page)).toBe("");

    await reconnect(ada);
    await expect.poll(() => editorText(bob.page), { timeout: 60_000 }).toBe("typed while cut");
    await expect.poll(() => unsynced(ada.page), { timeout: 60_000 }).toBe("0");
    await expect(ada.page.getByTestId("sync-state").textContent()).resolves.toContain("Saved");
    await Promise.all([ada.context.close(), bob.context.close()]);
  });

  it("1b: leaving the page asks first only while unsynced text is nowhere but the tab", async () => {
    const adaUser = await signUp(workerUrl, "Ada");
    const docId = await adaUser.createDocument({ title: "Leaving" });
    /** Whether the page would ask before unloading now (a synthetic beforeunload, as the browser sends). */
    const wouldAsk = (page: Page) =>
      page.evaluate(() => {
        const event = new Event("beforeunload", { cancelable: true });
        window.dispatchEvent(event);
        return event.defaultPrevented;
      });

    // With the local copy: unsynced text is on disk once IndexedDB committed it, so no question.
    const ada = await person(adaUser);
    await open(ada, docId);
    await ada.room.cut();
    await typeAtEnd(ada.page, "kept on disk");
    await expect.poll(() => unsynced(ada.page)).not.toBe("0");
    await expect.poll(() => wouldAsk(ada.page)).toBe(false);
    await ada.context.close();

    // Without IndexedDB (a private window that refuses it): the same text lives only in the tab.
    const bare = await person(adaUser);
    await bare.context.addInitScript(() => Object.defineProperty(window, "indexedDB", { value: undefined }));
    await open(bare, docId);
    expect(await wouldAsk(bare.page)).toBe(false);
    await bare.room.cut();
    await typeAtEnd(bare.page, " only in the tab");
    await expect.poll(() => unsynced(bare.page)).not.toBe("0");
    expect(await wouldAsk(bare.page)).toBe(true);
    await bare.context.close();
  });

  it("2: two people type offline, come back, and converge with both edits", async () => {
    const [adaUser, bobUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await sharedDocument(adaUser, bobUser, "shared line\n");
    const [ada, bob] = await Promise.all([person(adaUser), person(bobUser)]);
    await Promise.all([open(ada, docId), open(bob, docId)]);
    await Promise.all([ada.room.cut(), bob.room.cut()]);
    // As a person would: type once the status says offline, and reload once it says the text is kept here.
    for (const [who, text] of [[ada, "ada offline"], [bob, "bob offline"]] as const) {
      await who.page.locator("[data-testid=status][data-status=offline]").waitFor({ timeout: 60_000 });
      await typeAtEnd(who.page, text);
      await expect.poll(() => unsynced(who.page)).not.toBe("0");
      await expect.poll(() => who.page.getByTestId("sync-state").textContent()).toContain("Offline: changes are kept on this device");
    }
    // Both reload while still offline: what converges must come from the local copies.
    await Promise.all([ada.page.reload(), bob.page.reload()]);
    await Promise.all([ada.page.locator(EDITOR).waitFor(), bob.page.locator(EDITOR).waitFor()]);

    await Promise.all([reconnect(ada), reconnect(bob)]);
    await expect.poll(() => editorText(ada.page), { timeout: 60_000 }).toContain("bob offline");
    await expect.poll(() => editorText(bob.page), { timeout: 60_000 }).toContain("ada offline");
    expect(await editorText(ada.page)).toBe(await editorText(bob.page));
    expect(await editorText(ada.page)).toContain("shared line");
    await Promise.all([ada.context.close(), bob.context.close()]);
  });

  it("3: offline in the browser turns the status offline at once; the unsynced count counts and clears", async () => {
    const [adaUser, bobUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await sharedDocument(adaUser, bobUser);
    const [ada, bob] = await Promise.all([person(adaUser), person(bobUser)]);
    await Promise.all([open(ada, docId), open(bob, docId)]);
    await expect(ada.page.getByTestId("sync-state").textContent()).resolves.toContain("Saved");

    const offlineAt = Date.now();
    await ada.context.setOffline(true);
    await ada.page.locator("[data-testid=status][data-status=offline]").waitFor({ timeout: 10_000 });
    const offlineAfterMs = Date.now() - offlineAt;
    await ada.page.locator(EDITOR).click();
    await ada.page.keyboard.press("Control+End");
    for (const word of ["one ", "two ", "three "]) {
      await ada.page.keyboard.insertText(word);
    }
    await expect.poll(() => unsynced(ada.page)).toBe("3");
    // Committed to IndexedDB before the page goes: "kept" only shows once it is (data-local="kept").
    await expect.poll(() => ada.page.getByTestId("sync-state").textContent()).toContain("Offline: changes are kept on this device");
    mkdirSync(RESULTS, { recursive: true });
    await ada.page.screenshot({ path: join(RESULTS, "offline-unsynced.png") });
    // Still offline well after the socket would have timed out on its own: never Live.
    await ada.page.waitForTimeout(2_000);
    expect(await ada.page.getByTestId("status").getAttribute("data-status")).toBe("offline");

    const onlineAt = Date.now();
    await ada.context.setOffline(false);
    await ada.page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
      throw new Error(`not live again: ${await ada.page.getByTestId("status").getAttribute("title")}`, { cause: error });
    });
    // The socket the network left was abandoned at once (abandonable-socket.ts), so coming back does not
    // wait for its closing handshake (38-48 s in Chromium before).
    console.log(`[offline] live again ${Date.now() - onlineAt} ms after setOffline(false)`);
    await expect.poll(() => unsynced(ada.page), { timeout: 60_000 }).toBe("0");
    await expect.poll(() => editorText(bob.page), { timeout: 60_000 }).toBe("one two three ");
    console.log(`[offline] status offline ${offlineAfterMs} ms after setOffline(true)`);

    // A half-open socket: it stays open, nothing reaches the room. The next probe goes unanswered and the
    // status leaves Live after the liveness timeout (10 s).
    ada.room.silence();
    const silentAt = Date.now();
    await ada.page.keyboard.insertText("four");
    await expect.poll(() => unsynced(ada.page)).toBe("1");
    await ada.page.locator("[data-testid=status][data-status=offline]").waitFor({ timeout: 60_000 });
    console.log(`[offline] status offline ${Date.now() - silentAt} ms after the room went silent`);
    await reconnect(ada);
    await expect.poll(() => unsynced(ada.page), { timeout: 60_000 }).toBe("0");
    await expect.poll(() => editorText(bob.page), { timeout: 60_000 }).toBe("one two three four");
    await Promise.all([ada.context.close(), bob.context.close()]);
  });

  it("4: an edit made offline survives closing the browser, and syncs when it comes back", async () => {
    const [adaUser, bobUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await sharedDocument(adaUser, bobUser, "before\n");
    const profile = mkdtempSync(join(tmpdir(), "collab-profile-"));
    const launch = () =>
      chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM_PATH,
        args: CHROMIUM_ARGS,
        viewport: { width: 1100, height: 640 },
        extraHTTPHeaders: { "cf-connecting-ip": adaUser.ip },
      });
    try {
      let ada = await person(adaUser, await launch());
      await open(ada, docId);
      await ada.room.cut();
      await ada.page.locator("[data-testid=status][data-status=offline]").waitFor({ timeout: 60_000 });
      await typeAtEnd(ada.page, "after, offline");
      await expect.poll(() => unsynced(ada.page)).not.toBe("0");
      // Committed to IndexedDB before the page goes: "kept" only shows once it is (data-local="kept").
      await expect.poll(() => ada.page.getByTestId("sync-state").textContent()).toContain("Offline: changes are kept on this device");
      await ada.context.close();

      ada = await person(adaUser, await launch());
      await ada.room.cut();
      await ada.page.goto(`${webUrl}/d/${docId}`, { waitUntil: "domcontentloaded" });
      await ada.page.locator(EDITOR).waitFor({ timeout: 60_000 });
      expect(await editorText(ada.page)).toBe("before\nafter, offline");

      const bob = await person(bobUser);
      await open(bob, docId);
      expect(await editorText(bob.page)).toBe("before\n");
      await reconnect(ada);
      await expect.poll(() => editorText(bob.page), { timeout: 60_000 }).toBe("before\nafter, offline");
      await expect.poll(() => unsynced(ada.page), { timeout: 60_000 }).toBe("0");
      await Promise.all([ada.context.close(), bob.context.close()]);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it("5: logging out deletes that account's local copies, and only that account's", async () => {
    const [adaUser, bobUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await sharedDocument(adaUser, bobUser, "secret\n");
    const ada = await person(adaUser);
    await open(ada, docId);
    const databases = () => ada.page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? ""));
    await expect.poll(databases).toContain(`collab:${adaUser.id}:${docId}`);

    // Bob signs in on the same browser (same context): he never sees Ada's copy, and gets his own.
    await ada.context.clearCookies();
    await ada.context.addCookies([{ name: SESSION_COOKIE, value: bobUser.token, url: webUrl, httpOnly: true, sameSite: "Lax" }]);
    await open(ada, docId);
    expect(await editorText(ada.page)).toBe("secret\n");
    await expect.poll(databases).toContain(`collab:${bobUser.id}:${docId}`);

    await ada.page.getByTestId("logout").click();
    await ada.page.waitForURL(/\/login/);
    await expect.poll(databases).not.toContain(`collab:${bobUser.id}:${docId}`);
    expect(await databases()).toContain(`collab:${adaUser.id}:${docId}`);
    await ada.context.close();
  });

  it("5b: a person removed from a document, or whose document is deleted, loses its local copy at once", async () => {
    const [adaUser, bobUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const kept = await sharedDocument(adaUser, bobUser, "to be deleted\n");
    const removed = await sharedDocument(adaUser, bobUser, "private\n");
    const bob = await person(bobUser);
    const databases = () => bob.page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? ""));
    for (const docId of [kept, removed]) {
      await open(bob, docId);
      await expect.poll(databases).toContain(`collab:${bobUser.id}:${docId}`);
    }

    // Removed while the document is open (the room closes Bob with 4403): the copy goes with the access.
    const removal = await adaUser.request(`/api/documents/${removed}/members/${bobUser.id}`, { method: "DELETE" });
    expect(removal.status).toBe(204);
    await bob.page.locator("[data-testid=doc-forbidden], [data-testid=connection-error]").first().waitFor({ timeout: 30_000 });
    await expect.poll(databases, { timeout: 15_000 }).not.toContain(`collab:${bobUser.id}:${removed}`);

    // Deleted while open (4410): the same.
    await open(bob, kept);
    const deletion = await adaUser.request(`/api/documents/${kept}`, { method: "DELETE" });
    expect(deletion.status).toBe(204);
    await expect.poll(databases, { timeout: 15_000 }).not.toContain(`collab:${bobUser.id}:${kept}`);
    await bob.context.close();
  });

  it("6: a 3 MB paste reaches the other person through chunked uploads", async () => {
    const [adaUser, bobUser] = await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")]);
    const docId = await sharedDocument(adaUser, bobUser);
    const [ada, bob] = await Promise.all([person(adaUser, undefined, { routed: false }), person(bobUser, undefined, { routed: false })]);
    await Promise.all([open(ada, docId), open(bob, docId)]);
    const length = 3_000_000;
    await ada.page.locator(EDITOR).click();
    await ada.page.evaluate((length) => {
      const line = "const pasted = 'a line of a large file that someone pasted in one go';\n";
      const text = line.repeat(Math.ceil(length / line.length)).slice(0, length);
      const data = new DataTransfer();
      data.setData("text/plain", text);
      document.querySelector(".cm-content")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }, length);
    const lengthOf = (page: Page) => page.getByTestId("editor").getAttribute("data-length");
    await expect.poll(() => lengthOf(ada.page), { timeout: 60_000 }).toBe(String(length));
    const pastedAt = Date.now();
    await expect.poll(() => lengthOf(bob.page), { timeout: 60_000 }).toBe(String(length));
    console.log(`[offline] 3 MB paste seen by the other person ${Date.now() - pastedAt} ms later`);
    await expect.poll(() => unsynced(ada.page), { timeout: 60_000 }).toBe("0");
    await ada.page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 60_000 });
    expect(await ada.page.getByTestId("connection-error").count()).toBe(0);
    await Promise.all([ada.context.close(), bob.context.close()]);
  });

  it("6b: a paste past the document limit is refused before it is applied, with a message", async () => {
    const adaUser = await signUp(workerUrl, "Ada");
    const docId = await adaUser.createDocument({ title: "Too large" });
    const ada = await person(adaUser);
    await open(ada, docId);
    await ada.page.locator(EDITOR).click();
    await ada.page.evaluate(() => {
      const data = new DataTransfer();
      data.setData("text/plain", "x".repeat(9_000_000));
      document.querySelector(".cm-content")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    await expect(ada.page.getByTestId("edit-refused").textContent()).resolves.toContain("not applied");
    expect(await ada.page.getByTestId("editor").getAttribute("data-length")).toBe("0");
    expect(await ada.page.getByTestId("status").getAttribute("data-status")).toBe("live");
    await ada.context.close();
  });

  it("7: a cached 5,000-line document opens from the local copy: time to editable", async () => {
    const adaUser = await signUp(workerUrl, "Ada");
    const lines = Array.from({ length: 5_000 }, (_, i) => `line ${i}: const value${i} = compute(${i}, "some text to make it a line");`);
    const content = lines.join("\n");
    const docId = await adaUser.createDocument({ title: "Five thousand", content });
    const ada = await person(adaUser);
    // When the editor is editable with the whole text, measured in the page from the moment the editor
    // page starts opening the document (`collab:doc-open`: after the app, the session and the editor chunk).
    await ada.context.addInitScript(() => {
      const w = window as unknown as { __editableAt?: number };
      const check = () => {
        const editor = document.querySelector<HTMLElement>("[data-testid=editor]");
        const content = editor?.querySelector(".cm-content");
        if (w.__editableAt === undefined && content?.getAttribute("contenteditable") === "true" && Number(editor!.dataset.length) > 0) {
          w.__editableAt = performance.now();
        }
      };
      new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
    });
    const timeToEditable = async () => {
      await ada.page.waitForFunction(() => (window as unknown as { __editableAt?: number }).__editableAt !== undefined, null, { timeout: 60_000 });
      return ada.page.evaluate(() => {
        const open = performance.getEntriesByName("collab:doc-open")[0]!.startTime;
        const at = (window as unknown as { __editableAt: number }).__editableAt;
        return { fromOpen: Math.round(at - open), fromNavigation: Math.round(at) };
      });
    };
    await open(ada, docId);
    const uncached = await timeToEditable();
    expect(await ada.page.getByTestId("editor").getAttribute("data-length")).toBe(String(content.length));

    const cached: { fromOpen: number; fromNavigation: number }[] = [];
    for (let i = 0; i < 3; i++) {
      await open(ada, docId);
      cached.push(await timeToEditable());
    }
    // And with the room unreachable: only the local copy can have put the text there.
    await ada.room.cut();
    await ada.page.goto(`${webUrl}/d/${docId}`, { waitUntil: "domcontentloaded" });
    const offline = await timeToEditable();
    expect(await ada.page.getByTestId("editor").getAttribute("data-length")).toBe(String(content.length));
    console.log(
      `[offline] time to editable, 5,000 lines (${content.length} chars), from doc-open: first visit ${uncached.fromOpen} ms; ` +
        `cached ${cached.map((c) => c.fromOpen).join(" / ")} ms; cached with the room cut ${offline.fromOpen} ms ` +
        `(from navigation start: ${uncached.fromNavigation} / ${cached.map((c) => c.fromNavigation).join(" / ")} / ${offline.fromNavigation} ms)`,
    );
    // The goal is 150 ms (the figure is printed above and kept in the README); the bound only leaves room for
    // a shared 2-core machine under heavy load, where the same steps have taken 0.6-1.9 s.
    expect(Math.min(...cached.map((c) => c.fromOpen), offline.fromOpen)).toBeLessThan(3_000);
    await ada.context.close();
  });
});
