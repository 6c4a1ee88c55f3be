import { HealthResponse } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomSecrets, startStack, type Stack } from "./stack/index.ts";
import { sessionFor, signUp } from "./testing/accounts.ts";
import { connectClient } from "./testing/clients.ts";
import { snapshotText } from "./testing/snapshots.ts";

/**
 * What a newcomer runs: the stack with no DATABASE_URL, on the embedded Postgres. It must be healthy, and
 * an edit must survive stopping everything, losing room storage, and starting again.
 */
const dataDir = mkdtempSync(join(tmpdir(), "collab-embedded-"));
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const secrets = randomSecrets();
const start = async () => (stack = await startStack({ databaseUrl: undefined, dataDir, secrets, quiet: process.env.STACK_LOGS !== "1" }));

describe("the embedded default (no DATABASE_URL)", () => {
  it("is healthy, and an edit survives a restart of everything", { timeout: 120_000 }, async () => {
    let { urls } = await start();
    const health = HealthResponse.parse(await (await fetch(`${urls.workerUrl}/api/health`)).json());
    expect(health.status).toBe("ok");

    const owner = await signUp(urls.workerUrl, "embedded");
    const docId = await owner.createDocument();
    const client = connectClient(urls.partyUrl, docId, { token: () => owner.roomToken(docId) });
    await client.synced;
    client.text.insert(0, "kept by the embedded Postgres");
    client.destroy();
    const deadline = Date.now() + 15_000;
    let saved = false;
    while (!saved && Date.now() < deadline) {
      // Postgres itself: the API would answer with the live room's text before the save.
      saved = (await snapshotText(urls, docId)) === "kept by the embedded Postgres";
      if (!saved) await new Promise((r) => setTimeout(r, 200));
    }
    expect(saved).toBe(true);

    await stack!.stop();
    rmSync(join(dataDir, "party"), { recursive: true, force: true });
    ({ urls } = await start());
    // The same account and session after the restart: users, sessions and documents live in Postgres.
    const again = sessionFor(urls.workerUrl, owner);
    const fresh = connectClient(urls.partyUrl, docId, { token: () => again.roomToken(docId) });
    try {
      await fresh.synced;
      expect(fresh.text.toString()).toBe("kept by the embedded Postgres");
    } finally {
      fresh.destroy();
    }
  });
});
