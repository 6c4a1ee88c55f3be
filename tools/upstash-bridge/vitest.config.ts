import { defineConfig } from "vitest/config";

// The bridge's tests on their own, without the root config's globalSetup (the whole stack): they only
// need the real Redis. Run from the repository root:
//   npx vitest run --config tools/upstash-bridge/vitest.config.ts
export default defineConfig({
  test: {
    include: ["tools/upstash-bridge/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
