import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, type TestClient } from "../tools/testing/clients.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { startParty } from "../tools/stack/servers.ts";

/**
 * Room storage that really refuses writes: the party's storage folder is a small tmpfs, and the test fills
 * it. Mounting needs root (CI and the dev machines run as root); elsewhere the suite is skipped, loudly.
 */
const { databaseUrl, wsProxy, workerUrl, roomTokenSecret, internalSecret } = inject("stack");
const persistDir = mkdtempSync(join(tmpdir(), "collab-storage-failure-"));
const mounted = (() => {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", persistDir], { stdio: "ignore" });
    return true;
  } catch {
    console.warn("storage-failure suite skipped: cannot mount a tmpfs here (needs root)");
    return false;
  }
})();
const filler = join(persistDir, "filler");
let party: Service | undefined;
let partyUrl = "";
let owner: TestUser;
const clients: TestClient[] = [];

/** Fills the storage folder's filesystem to the last byte. */
function fillDisk(): void {
  const fd = openSync(filler, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  // Fill the last partial chunk too.
  const small = openSync(filler, "a");
  try {
    for (;;) writeSync(small, Buffer.alloc(512, 1));
  } catch {
    // ENOSPC: full.
  } finally {
    closeSync(small);
  }
}

beforeAll(async () => {
  if (!mounted) return;
  const port = await freePort();
  [party, owner] = await Promise.all([
    startParty({ databaseUrl, wsProxy, roomTokenSecret, internalSecret, port, persistDir, vars: { SNAPSHOT_DEBOUNCE_MS: "600000", SNAPSHOT_MAX_WAIT_MS: "600000" }, quiet: process.env.STACK_LOGS !== "1" }),
    signUp(workerUrl, "storage-failure"),
  ]);
  partyUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  clients.forEach((client) => client.destroy());
  await party?.stop();
  if (mounted) execFileSync("umount", ["-l", persistDir]);
  rmSync(persistDir, { recursive: true, force: true });
});

describe.skipIf(!mounted)("when room storage refuses writes", () => {
  it("lets nothing that depends on a failed write reach anyone, and takes the edit once storage is back", async () => {
    const docId = await owner.createDocument();
    const open = () => {
      const client = connectClient(partyUrl, docId, { token: () => owner.roomToken(docId) });
      clients.push(client);
      return client;
    };
    const writer = open();
    const watcher = open();
    await Promise.all([writer.synced, watcher.synced]);
    writer.text.insert(0, "stored. ");
    await waitFor(() => watcher.text.toString() === "stored. ", "the first edit is acknowledged");

    const closes: number[] = [];
    writer.provider.on("connection-close", (event: { code: number } | null) => closes.push(event?.code ?? 0));
    fillDisk();
    writer.text.insert(writer.text.length, "typed on a full disk.");
    // Nothing the room could not store reaches the watcher while the disk stays full.
    await new Promise((r) => setTimeout(r, 3_000));
    console.log(`on a full disk the writer's socket closed with ${closes.join(", ") || "nothing"}; the watcher holds ${JSON.stringify(watcher.text.toString())}`);
    expect(watcher.text.toString()).toBe("stored. ");

    rmSync(filler);
    const started = performance.now();
    await waitFor(() => watcher.text.toString() === "stored. typed on a full disk.", "the writer's edit lands once storage is back", 60_000);
    console.log(`the edit reached the watcher ${(performance.now() - started).toFixed(0)} ms after the disk had room again; the writer's socket closed with ${closes.join(", ")}`);

    // Durable too? Measured, not asserted: on partykit dev 0.0.115 a SQLITE_FULL breaks the object's
    // storage ("Durable Object storage is no longer accessible"), and edits the replacement instance
    // acknowledged afterwards were seen missing after a SIGKILL. That is the runtime's write path, below the
    // room; see the report in PROTOCOL.md.
    clients.forEach((client) => client.destroy());
    await party!.kill();
    const port = await freePort();
    party = await startParty({ databaseUrl, wsProxy, roomTokenSecret, internalSecret, port, persistDir, quiet: process.env.STACK_LOGS !== "1" });
    partyUrl = `http://127.0.0.1:${port}`;
    const fresh = open();
    await fresh.synced;
    console.log(`after a SIGKILL the room holds ${JSON.stringify(fresh.text.toString())}`);
  }, 120_000);
});
