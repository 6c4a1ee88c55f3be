import { DocumentResponse, HealthResponse } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack/index.ts";
import { connectClient, uniqueDocId } from "./testing/clients.ts";

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

const start = async () => (stack = await startStack({ databaseUrl: undefined, dataDir, quiet: process.env.STACK_LOGS !== "1" }));

describe("the embedded default (no DATABASE_URL)", () => {
  it("is healthy, and an edit survives a restart of everything", { timeout: 120_000 }, async () => {
    let { urls } = await start();
    const health = HealthResponse.parse(await (await fetch(`${urls.workerUrl}/api/health`)).json());
    expect(health.status).toBe("ok");

    const docId = uniqueDocId("embedded");
    const client = connectClient(urls.partyUrl, docId);
    await client.synced;
    client.text.insert(0, "kept by the embedded Postgres");
    client.destroy();
    const deadline = Date.now() + 15_000;
    let saved = false;
    while (!saved && Date.now() < deadline) {
      const response = await fetch(`${urls.workerUrl}/api/documents/${docId}`);
      saved = response.status === 200 && DocumentResponse.parse(await response.json()).text === "kept by the embedded Postgres";
      if (!saved) await new Promise((r) => setTimeout(r, 200));
    }
    expect(saved).toBe(true);

    await stack!.stop();
    rmSync(join(dataDir, "party"), { recursive: true, force: true });
    ({ urls } = await start());
    const fresh = connectClient(urls.partyUrl, docId);
    try {
      await fresh.synced;
      expect(fresh.text.toString()).toBe("kept by the embedded Postgres");
    } finally {
      fresh.destroy();
    }
  });
});
