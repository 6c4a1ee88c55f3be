import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { answers, listens, startService, type Service } from "./service.ts";
import { ROOM_PATH_PREFIX } from "@collab/protocol";

/** The repository root (this file is tools/stack/servers.ts). */
export const ROOT = join(import.meta.dirname, "..", "..");
const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);

/** Settings of the database a server talks to. */
export interface DatabaseSettings {
  databaseUrl: string;
  wsProxy: string;
}

/** Secrets shared by the servers: generated per test run, kept in .data/secrets.json for `npm run dev`. */
export interface Secrets {
  authSecret: string;
  roomTokenSecret: string;
  /** INTERNAL_SECRET: the worker's bearer credential to rooms and the lobby (never signs a token). */
  internalSecret: string;
  /**
   * Lets a local proxy vouch for `cf-connecting-ip` (TRUSTED_PROXY_SECRET): the Vite dev proxy and the test
   * tooling, which give each simulated person an address of their own. Nothing else may set that header.
   */
  proxySecret: string;
  /** METRICS_TOKEN: Bearer token of GET /api/metrics and the admin endpoints. */
  metricsToken: string;
}

export interface PartyOptions extends DatabaseSettings {
  port: number;
  roomTokenSecret: string;
  internalSecret: string;
  /** Room storage folder (partykit's --persist). */
  persistDir: string;
  /** Extra room variables (strings), e.g. MAX_MESSAGE_BYTES. */
  vars?: Record<string, string>;
  quiet?: boolean;
  /** How long it may take to serve rooms (default: the service's 120 s). */
  readyTimeoutMs?: number;
}

/** `partykit dev`: the rooms, offline (no login, no request.cf lookups, no hotkeys). */
export function startParty(options: PartyOptions): Promise<Service> {
  const vars = {
    DATABASE_URL: options.databaseUrl,
    DB_WS_PROXY: options.wsProxy,
    ROOM_TOKEN_SECRET: options.roomTokenSecret,
    INTERNAL_SECRET: options.internalSecret,
    ...(process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {}),
    ...options.vars,
  };
  return startService({
    name: "party",
    command: bin("partykit"),
    args: [
      "dev",
      "--port", String(options.port),
      "--persist", options.persistDir,
      "--disable-request-cf-fetch",
      "--no-hotkeys",
      ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}=${value}`]),
    ],
    cwd: ROOT,
    env: { PARTYKIT_TELEMETRY: "0", DO_NOT_TRACK: "1" },
    // Listening is not enough: partykit dev's proxy can listen while its runtime (workerd) is not up, and once
    // in a while after a SIGKILL the runtime never starts (the fault harness met it twice). An invalid room id
    // is answered by the room code itself (400), without creating a room, and partykit logs a 4xx quietly.
    ready: async () => (await listens(options.port)) && (await servesRooms(options.port)),
    readyTimeoutMs: options.readyTimeoutMs,
    quiet: options.quiet,
    hide: PARTYKIT_CHATTER,
  });
}

/** Whether the room code answers at `port`: an invalid document id gets its 400. */
async function servesRooms(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}${ROOM_PATH_PREFIX}~ready`, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.status === 400;
}

/**
 * partykit dev logs every request at a fixed level (no flag changes it): a line per socket and presence post.
 * Requests that worked, and the list of its addresses at start-up, are left out of the terminal; 5xx stay.
 * Left out too: workerd's reports of a socket that ended, an "Uncaught exception ... disconnected" that workerd
 * itself tags `worker_do_not_log`, its stack of bare addresses, and partykit's "Network connection lost" for the
 * same socket. workerd prints them in local development only, when a Durable Object closes a WebSocket
 * (cloudflare/workerd#1299: a room closing a removed member's or a deleted document's last socket) and when a
 * peer vanishes without a close frame (a tab killed, a network lost); the sockets close correctly.
 */
const PARTYKIT_CHATTER = new RegExp(
  [
    /^\[pk:inf\] (?:(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ [1-4]\d\d |- https?:\/\/)/.source,
    /Uncaught exception: kj\/[\w/]+\.c\+\+:\d+: disconnected: worker_do_not_log/.source,
    /^\s*stack:(?: \S+@[0-9a-f]+)+\s*$/.source,
    /^\s*Uncaught \(in response\) Error: Network connection lost\.$/.source,
  ].join("|"),
);

export interface WorkerOptions extends DatabaseSettings, Secrets {
  port: number;
  partyUrl: string;
  inspectorPort: number;
  persistDir: string;
  /** Extra worker variables, e.g. UPSTASH_REDIS_REST_URL/TOKEN for presence on Redis. */
  vars?: Record<string, string>;
  /** ADMIN_USERS: usernames with the admin role. */
  adminUsers?: string;
  /**
   * Show the worker's info and debug lines too. wrangler prints a worker's console.log only at its own
   * "log" level, which also prints a line per request; those are left out of the terminal.
   */
  verbose?: boolean;
  quiet?: boolean;
}

/** `wrangler dev`: the REST worker in workerd, offline (no metrics, no request.cf fetch). */
export function startWorker(options: WorkerOptions): Promise<Service> {
  return startService({
    name: "worker",
    command: bin("wrangler"),
    args: [
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(options.port),
      "--inspector-port", String(options.inspectorPort),
      "--persist-to", options.persistDir,
      "--show-interactive-dev-session=false",
      "--var", `DATABASE_URL:${options.databaseUrl}`,
      "--var", `DB_WS_PROXY:${options.wsProxy}`,
      "--var", `AUTH_SECRET:${options.authSecret}`,
      "--var", `ROOM_TOKEN_SECRET:${options.roomTokenSecret}`,
      "--var", `INTERNAL_SECRET:${options.internalSecret}`,
      "--var", `PARTY_URL:${options.partyUrl}`,
      // Not behind Cloudflare: cf-connecting-ip counts only from a proxy that knows the secret.
      "--var", "TRUST_CF_CONNECTING_IP:false",
      "--var", `TRUSTED_PROXY_SECRET:${options.proxySecret}`,
      "--var", `METRICS_TOKEN:${options.metricsToken}`,
      ...(options.adminUsers ? ["--var", `ADMIN_USERS:${options.adminUsers}`] : []),
      // LOG_LEVEL reaches both servers from the environment (npm run dev, STACK_LOGS=1 test runs).
      ...(process.env.LOG_LEVEL ? ["--var", `LOG_LEVEL:${process.env.LOG_LEVEL}`] : []),
      ...Object.entries(options.vars ?? {}).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    ],
    cwd: ROOT,
    env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_LOG: options.verbose ? "log" : "warn" },
    ready: () => answers(`http://127.0.0.1:${options.port}/api/__ready`),
    quiet: options.quiet,
    hide: WRANGLER_CHATTER,
  });
}

/** wrangler's own line per request (at its "log" level): the worker's JSON request lines say more. */
const WRANGLER_CHATTER = /^\[wrangler:info\] (?:(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ [1-4]\d\d )/;

export interface WebOptions {
  port: number;
  workerUrl: string;
  partyUrl: string;
  /** The worker's TRUSTED_PROXY_SECRET: the dev proxy vouches for the address it forwards. */
  proxySecret: string;
  /** Forward a `cf-connecting-ip` the client sent (browser tests simulate people at distinct addresses). */
  forwardClientIp?: boolean;
  quiet?: boolean;
}

/** Vite's dev server for the Svelte app, proxying /api and /parties to the worker and the party. */
export function startWeb(options: WebOptions): Promise<Service> {
  return startService({
    name: "web",
    command: bin("vite"),
    args: ["--strictPort", "--clearScreen", "false"],
    cwd: join(ROOT, "web"),
    env: webEnv(options),
    ready: () => answers(`http://127.0.0.1:${options.port}/`),
    quiet: options.quiet,
  });
}

/**
 * The production build in `outDir` (see `buildWeb`) under `vite preview`, with the same proxy: what a
 * deployment serves, service worker included (the dev server never registers one).
 */
export function startWebPreview(options: WebOptions & { outDir: string }): Promise<Service> {
  return startService({
    name: "web-preview",
    command: bin("vite"),
    args: ["preview", "--strictPort", "--outDir", options.outDir],
    cwd: join(ROOT, "web"),
    env: webEnv(options),
    ready: () => answers(`http://127.0.0.1:${options.port}/`),
    quiet: options.quiet,
  });
}

/** `vite build` of the web app into `outDir`. */
export async function buildWeb(outDir: string): Promise<void> {
  await promisify(execFile)(bin("vite"), ["build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], { cwd: join(ROOT, "web"), timeout: 180_000 });
}

function webEnv(options: WebOptions): Record<string, string> {
  return {
    WEB_PORT: String(options.port),
    WEB_HOST: "127.0.0.1",
    WORKER_URL: options.workerUrl,
    PARTY_URL: options.partyUrl,
    TRUSTED_PROXY_SECRET: options.proxySecret,
    WEB_FORWARD_CLIENT_IP: options.forwardClientIp ? "1" : "",
  };
}
