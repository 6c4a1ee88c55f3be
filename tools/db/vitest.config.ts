import { defineConfig } from "vitest/config";

// The database tooling's tests on their own: they start every server they need, so they skip the root
// config's globalSetup (which starts the whole stack, party and worker included, on top of this tooling).
// Run from the repository root: npx vitest run --config tools/db/vitest.config.ts tools/db
export default defineConfig({
  test: {
    include: ["tools/db/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
