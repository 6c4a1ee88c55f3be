import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseDatabaseUrl } from "../tools/db/database-url.ts";
import { startDatabase, type RunningDatabase } from "../tools/db/database.ts";
import { startWsProxy, type WsProxy } from "../tools/db/ws-proxy.ts";
import { randomSecrets } from "../tools/stack/index.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { startWorker } from "../tools/stack/servers.ts";
import { clientHeaders, signUp, testIp, type TestUser } from "../tools/testing/accounts.ts";
import { seededRandom } from "../tools/testing/random.ts";

/**
 * Bursts against a worker of this suite's own, on each database: the embedded one (PGlite, which serves few
 * connections) and a real Postgres (which refuses past max_connections). The worker reaches its database
 * through a proxy this suite can stop. Nothing here may answer 500: a burst is served, or told 503 with
 * Retry-After.
 */
const stack = inject("stack");
const quiet = process.env.STACK_LOGS !== "1";
const POSTGRES_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BURST = 200;

interface Backend {
  database: RunningDatabase;
  proxy: WsProxy | undefined;
  proxyPort: number;
  worker: Service;
  workerUrl: string;
  dir: string;
}

async function startBackend(kind: "embedded" | "postgres"): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), `collab-concurrency-${kind}-`));
  const database = await startDatabase({ databaseUrl: kind === "postgres" ? POSTGRES_URL : undefined, dataDir: join(dir, "postgres") });
  const proxyPort = await freePort();
  const proxy = await startWsProxy({ port: proxyPort, target: parseDatabaseUrl(database.databaseUrl) });
  const port = await freePort();
  const worker = await startWorker({
    databaseUrl: database.databaseUrl,
    wsProxy: `127.0.0.1:${proxyPort}`,
    // The stack's party serves presence (the lobby), so its secrets; sessions are this worker's own.
    ...randomSecrets(),
    roomTokenSecret: stack.roomTokenSecret,
    internalSecret: stack.internalSecret,
    partyUrl: stack.partyUrl,
    port,
    inspectorPort: await freePort(),
    persistDir: join(dir, "worker"),
    vars: {
      // Long enough for a burst to drain on a loaded 2-core machine: the point is that it queues.
      DB_WAIT_MS: "45000",
      ...(stack.upstash ? { UPSTASH_REDIS_REST_URL: stack.upstash.url, UPSTASH_REDIS_REST_TOKEN: stack.upstash.token } : {}),
    },
    quiet,
  });
  return { database, proxy, proxyPort, worker, workerUrl: `http://127.0.0.1:${port}`, dir };
}

async function stopBackend(backend: Backend | undefined): Promise<void> {
  if (!backend) return;
  await Promise.allSettled([backend.worker.stop(), backend.proxy?.stop()]);
  await backend.database.stop();
  rmSync(backend.dir, { recursive: true, force: true });
}

/** One request of a random kind, as a user of the app would send; resolves with its status. */
function mixedRequest(random: ReturnType<typeof seededRandom>, workerUrl: string, users: TestUser[], docs: Map<string, string[]>): Promise<number> {
  const user = random.pick(users);
  const docId = random.pick(docs.get(user.id)!);
  const kinds: Array<() => Promise<Response>> = [
    () => user.request("/api/auth/me"),
    () => user.request("/api/documents"),
    () => user.request(`/api/documents/${docId}`),
    () => user.request(`/api/documents/${docId}/token`, { method: "POST" }),
    () => user.request(`/api/documents/${docId}/members`),
    () => user.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: `t${random.int(1000)}` } }),
    () => user.request("/api/documents", { body: { title: "burst" } }),
    () => user.request("/api/presence"),
    () =>
      fetch(`${workerUrl}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", ...clientHeaders(testIp()) },
        body: JSON.stringify({ login: user.username, password: "correct horse battery staple" }),
      }),
  ];
  return random.pick(kinds)().then(async (response) => {
    await response.arrayBuffer();
    // A 503 is allowed only as the documented "try again": with Retry-After.
    return response.status === 503 && !response.headers.get("retry-after") ? -503 : response.status;
  });
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe.each(["embedded", "postgres"] as const)("a burst on the %s database", (kind) => {
  let backend: Backend | undefined;
  let users: TestUser[] = [];
  const docs = new Map<string, string[]>();

  beforeAll(async () => {
    backend = await startBackend(kind);
    users = await Promise.all(Array.from({ length: 8 }, (_, i) => signUp(backend!.workerUrl, `burst${i}`)));
    for (const user of users) docs.set(user.id, await Promise.all([user.createDocument(), user.createDocument()]));
  }, 300_000);
  afterAll(() => stopBackend(backend), 60_000);

  it(`${BURST} concurrent requests of mixed kinds: no 500`, async () => {
    const random = seededRandom(`burst on ${kind}`);
    const started = performance.now();
    const statuses = await Promise.all(Array.from({ length: BURST }, () => mixedRequest(random, backend!.workerUrl, users, docs)));
    const counts = tally(statuses);
    console.log(`${BURST} mixed requests on ${kind}: ${JSON.stringify(counts)} in ${Math.round(performance.now() - started)} ms (seed ${random.seed})`);
    expect(statuses.filter((status) => ![200, 201, 503].includes(status)), `seed ${random.seed}`).toEqual([]);
    // The gate queues a burst this size rather than refuse it.
    expect(statuses.filter((status) => status === 200 || status === 201).length).toBeGreaterThanOrEqual(BURST * 0.95);
  }, 180_000);

  it(`${BURST} concurrent presence streams: no 500 (a 503 only with Retry-After)`, async () => {
    const aborts: AbortController[] = [];
    try {
      const statuses = await Promise.all(
        Array.from({ length: BURST }, async (_, i) => {
          const abort = new AbortController();
          aborts.push(abort);
          const user = users[i % users.length]!;
          const response = await fetch(`${backend!.workerUrl}/api/presence/stream`, {
            headers: { authorization: `Bearer ${user.token}`, "cf-connecting-ip": user.ip },
            signal: abort.signal,
          });
          if (response.status === 503 && !response.headers.get("retry-after")) return -503;
          if (response.status === 200) {
            // The first event arrives at once with the full state.
            const reader = response.body!.getReader();
            const { value } = await reader.read();
            expect(new TextDecoder().decode(value)).toContain("event: presence");
          }
          return response.status;
        }),
      );
      console.log(`${BURST} presence streams on ${kind}: ${JSON.stringify(tally(statuses))}`);
      // Served, or told to retry (Retry-After) when the database cannot take them all in time; never a 500.
      expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(BURST / 2);
    } finally {
      for (const abort of aborts) abort.abort();
    }
  }, 180_000);

  it("a stopped database answers 503 with Retry-After, then serves again", async () => {
    const user = users[0]!;
    await backend!.proxy?.stop();
    backend!.proxy = undefined;
    try {
      const statuses = await Promise.all(
        ["/api/auth/me", "/api/documents", `/api/documents/${docs.get(user.id)![0]}/token`].map(async (path) => {
          const response = await user.request(path, path.endsWith("/token") ? { method: "POST" } : {});
          expect(response.headers.get("retry-after"), path).toBeTruthy();
          return response.status;
        }),
      );
      const login = await fetch(`${backend!.workerUrl}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", ...clientHeaders(testIp()) },
        body: JSON.stringify({ login: user.username, password: "correct horse battery staple" }),
      });
      expect([...statuses, login.status]).toEqual([503, 503, 503, 503]);
    } finally {
      backend!.proxy = await startWsProxy({ port: backend!.proxyPort, target: parseDatabaseUrl(backend!.database.databaseUrl) });
    }
    expect((await user.request("/api/auth/me")).status).toBe(200);
  }, 60_000);
});

