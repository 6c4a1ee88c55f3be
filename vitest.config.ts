import { defineConfig } from "vitest/config";

/**
 * Three projects in one run (`npm test` = `vitest run` runs them all):
 *
 * - `unit`: pure modules, no servers and no global setup; the fast loop (`npm run test:unit`, seconds).
 *   A file belongs here only if it neither `inject("stack")`s nor starts one of the app's servers (a throwaway
 *   local socket server, as abandonable-socket.test.ts uses, is fine).
 * - `integration`: everything else outside web/e2e, against the one real stack (database, party, worker, web)
 *   booted by tools/testing/global-setup.ts; suites that kill servers start their own on top of it.
 * - `browser`: web/e2e, a real Chromium against the same stack (the global setup shares one stack between
 *   the two projects). Their per-suite timeouts live in the files.
 *
 * A new test file lands in `integration` unless it is listed in UNIT: the safe default is a stack it may need.
 */
const UNIT = [
  "protocol/**/*.test.ts",
  "web/src/**/*.test.ts",
  "party/chunked-upload.test.ts",
  "party/client-id-records.test.ts",
  "party/client-ids.test.ts",
  "party/config.test.ts",
  "party/convergence.test.ts",
  "party/drain-check.test.ts",
  "party/frame-guard.test.ts",
  "party/messages.test.ts",
  "party/group-commit.test.ts",
  "party/pending-budget.test.ts",
  "party/join-guard.test.ts",
  "party/rate-limit.test.ts",
  "party/snapshot-scheduler.test.ts",
  "party/update-log.test.ts",
  "presence/memory-store.test.ts",
  "worker/database-gate.test.ts",
  "worker/openapi.test.ts",
  "worker/routes/cursor.test.ts",
  "bench/convergence.test.ts",
  "bench/latency.test.ts",
  "bench/replay.test.ts",
  "tools/db/terminate-scanner.test.ts",
  "tools/stack/supervise.test.ts",
  "tools/testing/fault/frames.test.ts",
  "tools/testing/fault/ledger.test.ts",
  "tools/upstash-bridge/resp.test.ts",
];
const ALL = ["{protocol,db,party,worker,web,tools,presence,bench}/**/*.test.ts"];
const BROWSER = ["web/e2e/**/*.test.ts"];
const POLL = { poll: { timeout: 10_000 } };
const STACK = { globalSetup: ["tools/testing/global-setup.ts"] };

export default defineConfig({
  test: {
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the servers under test need one of them.
    maxWorkers: 2,
    projects: [
      // Each file in a fresh module graph. Sharing one (isolate: false) halved the loop, but in CI, under load,
      // a file's fake timers outlived it twice: later files' real sleeps and TTLs never ended (30 s timeouts).
      { test: { name: "unit", include: UNIT } },
      // One retry for the suites against real servers: on two shared cores, a run of 1,000 tests met one or two
      // timing flakes (a reset keep-alive socket, a kill that landed between writes), each time a different one.
      // A fault that is real fails both times.
      // expect.poll waits 10 s rather than vitest's 1 s: a page or room that answers slowly on two loaded cores is
      // not a failure (a list re-sorting took over 1 s during CI and failed twice); what never comes still fails.
      { test: { name: "integration", include: ALL, exclude: [...UNIT, ...BROWSER, "**/node_modules/**"], retry: 1, expect: POLL, ...STACK } },
      { test: { name: "browser", include: BROWSER, retry: 1, expect: POLL, ...STACK } },
    ],
  },
});
