import { defineConfig } from "vitest/config";

/**
 * Three projects in one run (`npm test` = `vitest run` runs them all):
 *
 * - `unit`: pure modules, no servers and no global setup; the fast loop (`npm run test:unit`, seconds).
 *   A file belongs here only if it neither `inject("stack")`s nor starts one of the app's servers.
 * - `sockets`: pure modules tested over a throwaway local socket (abandonable-socket.test.ts). Isolated: in
 *   `unit`'s shared module graph, what another file left in the runtime's globals (its timers, Node's built-in
 *   WebSocket) once held a socket's open event past 30 s in CI.
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
  "party/client-ids.test.ts",
  "party/config.test.ts",
  "party/convergence.test.ts",
  "party/drain-check.test.ts",
  "party/frame-guard.test.ts",
  "party/messages.test.ts",
  "party/group-commit.test.ts",
  "party/pending-budget.test.ts",
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
const SOCKETS = ["web/src/lib/abandonable-socket.test.ts"];
const ALL = ["{protocol,db,party,worker,web,tools,presence,bench}/**/*.test.ts"];
const BROWSER = ["web/e2e/**/*.test.ts"];
const STACK = { globalSetup: ["tools/testing/global-setup.ts"] };

export default defineConfig({
  test: {
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the servers under test need one of them.
    maxWorkers: 2,
    projects: [
      // Pure modules share their workers (no isolation): nothing in them outlives a file (timers are restored in
      // afterEach), and skipping a fresh module graph per file halves the loop.
      { test: { name: "unit", include: UNIT, exclude: [...SOCKETS, "**/node_modules/**"], isolate: false } },
      { test: { name: "sockets", include: SOCKETS } },
      // One retry for the suites against real servers: on two shared cores, a run of 1,000 tests met one or two
      // timing flakes (a reset keep-alive socket, a kill that landed between writes), each time a different one.
      // A fault that is real fails both times.
      { test: { name: "integration", include: ALL, exclude: [...UNIT, ...BROWSER, "**/node_modules/**"], retry: 1, ...STACK } },
      { test: { name: "browser", include: BROWSER, retry: 1, ...STACK } },
    ],
  },
});
