import { defineConfig } from "vitest/config";
import root from "../vitest.config.ts";

/**
 * The bench's own tests alone: `npx vitest run --config bench/vitest.config.ts`. The root config runs them
 * with everything else once `bench` is in its `include`.
 */
export default defineConfig({ ...root, test: { ...root.test, include: ["bench/**/*.test.ts"] } });
