import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startDatabase } from "../db/database.ts";
import type { StackUrls } from "../testing/context.ts";
import { freePort, type Service } from "./service.ts";
import { startParty, startWeb, startWorker, type Secrets } from "./servers.ts";
import { startUpstashBridge, type UpstashBridge } from "../upstash-bridge/bridge.ts";

export { ROOT } from "./servers.ts";

export interface StackOptions {
  /** Use this Postgres; without it, an embedded one in `<dataDir>/postgres`. */
  databaseUrl?: string | undefined;
  /** Where local state lives: embedded Postgres, room storage, worker storage. */
  dataDir: string;
  /** Fixed ports (dev); 0 or missing picks a free port (tests). */
  ports?: Partial<Record<"web" | "worker" | "party" | "dbProxy", number>>;
  /** Start the Vite dev server too. */
  web?: boolean;
  /** Tests: the Vite proxy forwards a client-sent `cf-connecting-ip` (see WebOptions). */
  forwardClientIp?: boolean;
  quiet?: boolean;
  /** Extra room variables (strings). */
  partyVars?: Record<string, string>;
  /** Secrets for session and room tokens; fresh random ones when omitted. */
  secrets?: Secrets;
  /**
   * Presence backend (issue 4): a `redis://` URL puts the local Upstash bridge in front of that Redis;
   * `""` means no Redis (the lobby party). When omitted, REDIS_URL from the environment decides.
   */
  redisUrl?: string | undefined;
  /** ADMIN_USERS for the worker: usernames with the admin role (comma-separated). */
  adminUsers?: string | undefined;
}

export interface Stack {
  urls: StackUrls;
  secrets: Secrets;
  /** The services in start order; the party can be killed and restarted for crash tests. */
  services: Service[];
  /** UPSTASH_REDIS_REST_URL/TOKEN of the local bridge when presence runs on Redis; undefined: the lobby party. */
  upstash: { url: string; token: string } | undefined;
  stop(): Promise<void>;
}

/**
 * The whole editor on this machine: Postgres (embedded or given) behind its WebSocket proxy with migrations
 * applied, the party (`partykit dev`), the worker (`wrangler dev`) and optionally the web app (Vite).
 * `npm run dev` and the test suites start it the same way.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const port = async (name: keyof NonNullable<StackOptions["ports"]>) => options.ports?.[name] || (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const services: Service[] = [];
  const database = await startDatabase({
    databaseUrl: options.databaseUrl,
    dataDir: join(options.dataDir, "postgres"),
    proxyPort: options.ports?.dbProxy ?? 0,
  });
  let bridge: UpstashBridge | undefined;
  const stop = async () => {
    await Promise.allSettled(services.reverse().map((service) => service.stop()));
    await bridge?.stop();
    await database.stop();
  };
  try {
    // Presence (issue 4): with a Redis, the Upstash REST bridge in front of it, and its URL and token for
    // the party and the worker; without one, neither gets them and both use the lobby party.
    const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
    if (redisUrl) bridge = await startUpstashBridge({ redisUrl });
    const upstash = bridge && { url: bridge.url, token: bridge.token };
    const presenceVars: Record<string, string> = upstash ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token } : {};

    const settings = { databaseUrl: database.databaseUrl, wsProxy: database.wsProxy, quiet: options.quiet };
    const secrets = options.secrets ?? randomSecrets();
    const [partyPort, workerPort, inspectorPort] = [await port("party"), await port("worker"), await freePort()];
    const webPort = options.web ? await port("web") : 0;
    const partyUrl = `http://127.0.0.1:${partyPort}`;
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    // All three at once: each only needs the others' addresses, known by now, and start-up is mostly
    // waiting for bundlers.
    const started = await Promise.allSettled([
      startParty({ ...settings, roomTokenSecret: secrets.roomTokenSecret, internalSecret: secrets.internalSecret, port: partyPort, persistDir: join(options.dataDir, "party"), vars: { ...options.partyVars, ...presenceVars } }),
      startWorker({ ...settings, ...secrets, adminUsers: options.adminUsers, verbose: /^(debug|info)$/i.test(process.env.LOG_LEVEL ?? ""), partyUrl, port: workerPort, inspectorPort, persistDir: join(options.dataDir, "worker"), vars: presenceVars }),
      ...(options.web ? [startWeb({ port: webPort, workerUrl, partyUrl, proxySecret: secrets.proxySecret, forwardClientIp: options.forwardClientIp, quiet: options.quiet })] : []),
    ]);
    // Keep whichever started, so that `stop` ends it when another failed.
    for (const result of started) if (result.status === "fulfilled") services.push(result.value);
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    const webUrl = options.web ? `http://127.0.0.1:${webPort}` : "";
    const urls = {
      webUrl,
      workerUrl,
      partyUrl,
      databaseUrl: database.databaseUrl,
      wsProxy: database.wsProxy,
      roomTokenSecret: secrets.roomTokenSecret,
      internalSecret: secrets.internalSecret,
      metricsToken: secrets.metricsToken,
      adminUsers: options.adminUsers ?? "",
      upstash,
    };
    return { urls, secrets, services, upstash, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Fresh secrets (256 bits each), for test runs and first-time `npm run dev`. */
export function randomSecrets(): Secrets {
  const random = () => randomBytes(32).toString("base64url");
  // One proxy secret per test run (global setup exports it), so that every worker a suite starts trusts
  // the test tooling's addresses.
  return { authSecret: random(), roomTokenSecret: random(), internalSecret: random(), proxySecret: process.env.TRUSTED_PROXY_SECRET || random(), metricsToken: random() };
}
