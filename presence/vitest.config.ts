import { defineConfig } from "vitest/config";

// The presence suites that need no stack, without the root config's globalSetup (the whole stack):
// the in-memory store, Redis through the bridge, and both stores inside a probe room of their own
// partykit dev. The lobby contract suite needs the stack's party (root config).
// Run from the repository root: npx vitest run --config presence/vitest.config.ts
export default defineConfig({
  test: {
    include: ["presence/memory-store.test.ts", "presence/redis-store.test.ts", "presence/in-room.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
