import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startStack } from "../stack/index.ts";
import "./context.ts";

/**
 * One stack for the whole test run: the real database (DATABASE_URL, else an embedded Postgres), the party
 * under `partykit dev`, the worker under `wrangler dev` and the web app under Vite, on free ports.
 * Suites that kill servers start their own party on top of the same database.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), "collab-test-"));
  // Test files (forked after this) read it to vouch for the addresses they simulate (accounts.ts).
  process.env.TRUSTED_PROXY_SECRET ??= randomBytes(32).toString("base64url");
  const stack = await startStack({
    databaseUrl: process.env.DATABASE_URL,
    dataDir,
    web: true,
    forwardClientIp: true,
    quiet: process.env.STACK_LOGS !== "1",
    // One admin per run, registered by the suite that needs one (worker/operations.test.ts).
    adminUsers: `admin_${randomBytes(6).toString("hex")}`,
  });
  project.provide("stack", stack.urls);
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
