import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{protocol,db,party,worker,web,tools,presence,bench}/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    // One stack (database, party, worker, web) for the whole run; suites that kill servers start their own.
    globalSetup: ["tools/testing/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the servers under test need one of them.
    maxWorkers: 2,
  },
});
