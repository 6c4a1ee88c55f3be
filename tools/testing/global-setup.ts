import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startStack } from "../stack/index.ts";
import type { StackUrls } from "./context.ts";
import "./context.ts";

interface SharedStack {
  urls: Promise<StackUrls>;
  stop: () => Promise<void>;
  users: number;
}

// vitest runs a global setup once per project that lists it (integration and browser), in this one
// process: the first starts the stack, the others borrow it, and the last to finish stops it.
const SHARED = Symbol.for("collab-editor.test-stack");
const holder = globalThis as { [SHARED]?: SharedStack };

/**
 * One stack for the whole test run: the real database (DATABASE_URL, else an embedded Postgres), the party
 * under `partykit dev`, the worker under `wrangler dev` and the web app under Vite, on free ports.
 * Suites that kill servers start their own party on top of the same database.
 */
export default async function setup(project: TestProject) {
  const shared = (holder[SHARED] ??= startShared());
  shared.users += 1;
  project.provide("stack", await shared.urls);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete holder[SHARED];
    await shared.stop();
  };
}

function startShared(): SharedStack {
  const dataDir = mkdtempSync(join(tmpdir(), "collab-test-"));
  // Test files (forked after this) read it to vouch for the addresses they simulate (accounts.ts).
  process.env.TRUSTED_PROXY_SECRET ??= randomBytes(32).toString("base64url");
  const started = startStack({
    databaseUrl: process.env.DATABASE_URL,
    dataDir,
    web: true,
    forwardClientIp: true,
    quiet: process.env.STACK_LOGS !== "1",
    // One admin per run, registered by the suite that needs one (worker/operations.test.ts).
    adminUsers: `admin_${randomBytes(6).toString("hex")}`,
  });
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  // A failed start reaches every project through `urls`; nothing is left to stop but the folder.
  started.catch(removeData);
  return {
    urls: started.then((stack) => stack.urls),
    stop: async () => {
      const stack = await started.catch(() => undefined);
      await stack?.stop();
      removeData();
    },
    users: 0,
  };
}
