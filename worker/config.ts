import type { DatabaseConfig } from "@collab/db";
import {
  ConfigError, binding, createLogger, distinctSecrets, envSchema, httpUrl, logLevel, oneOf, optionalSecret, optionalString, parseEnv, piece,
  positiveInt, postgresUrl, presenceEnv, presenceOf, secret, type Logger,
} from "@collab/protocol";
import { openPresenceStore, type PresenceStore } from "@collab/presence";
import { DatabaseGate } from "./database-gate.ts";

export { ConfigError };

/**
 * The worker's bindings and variables as `wrangler types` generates them (worker/worker-configuration.d.ts,
 * `npm run types`, from wrangler.toml and the names in worker/variables.env). Partial: any of them may be
 * missing from a deployment, and the schema below says which must not be.
 */
export type Env = Partial<Cloudflare.Env>;

export interface WorkerConfig {
  database: DatabaseConfig;
  authSecret: string;
  roomTokenSecret: string;
  /** Bearer credential of the internal channel (worker to rooms and lobby); never signs anything. */
  internalSecret: string;
  partyUrl: string;
  sessionTtlSeconds: number;
  rateLimit: RateLimit;
  ipRateLimit: RateLimit;
  /** Whose `cf-connecting-ip` to believe (worker/auth/client-ip.ts). */
  clientIp: { trustCloudflare: boolean; proxySecret: string | undefined };
  presence: PresenceStore;
  /** Bounds this isolate's database connections; every pool the worker opens goes through it. */
  databaseGate: DatabaseGate;
  /** The isolate's logger (JSON lines); each request uses a child with its `requestId`. */
  log: Logger;
  /** METRICS_TOKEN, or undefined: /api/metrics answers 404 then. */
  metricsToken: string | undefined;
  /** Usernames with the admin role (lower case). */
  adminUsers: ReadonlySet<string>;
}

const wranglerHint = (name: string) => `npx wrangler secret put ${name}`;
const isRateLimit = (raw: unknown): raw is RateLimit => typeof (raw as RateLimit | undefined)?.limit === "function";

/**
 * The worker's environment, the one schema of this runtime (built from protocol/config.ts's pieces); its
 * output is the {@link WorkerConfig}.
 */
const WorkerEnv = envSchema({
  DATABASE_URL: postgresUrl(wranglerHint("DATABASE_URL")),
  DB_WS_PROXY: optionalString(),
  SESSION_TTL_HOURS: piece((raw) => {
    const hours = Number(raw ?? 24);
    return Number.isFinite(hours) && hours > 0 && hours <= 24 * 30 ? hours : { problem: "SESSION_TTL_HOURS must be a number of hours between 0 and 720" };
  }),
  PARTY_URL: httpUrl("PARTY_URL must be the party's http(s) URL"),
  AUTH_RATE_LIMIT: binding(isRateLimit, "the AUTH_RATE_LIMIT rate-limiting binding is missing (wrangler.toml [[ratelimits]])"),
  AUTH_IP_RATE_LIMIT: binding(isRateLimit, "the AUTH_IP_RATE_LIMIT rate-limiting binding is missing (wrangler.toml [[ratelimits]])"),
  TRUST_CF_CONNECTING_IP: oneOf(["true", "false"], "false", (raw) => `TRUST_CF_CONNECTING_IP must be "true" or "false", got "${raw}"`),
  TRUSTED_PROXY_SECRET: optionalSecret("TRUSTED_PROXY_SECRET"),
  AUTH_SECRET: secret("AUTH_SECRET", wranglerHint("AUTH_SECRET")),
  ROOM_TOKEN_SECRET: secret("ROOM_TOKEN_SECRET", wranglerHint("ROOM_TOKEN_SECRET")),
  INTERNAL_SECRET: secret("INTERNAL_SECRET", wranglerHint("INTERNAL_SECRET")),
  DB_MAX_CONNECTIONS: positiveInt("DB_MAX_CONNECTIONS", 8),
  DB_WAIT_MS: positiveInt("DB_WAIT_MS", 5_000),
  LOG_LEVEL: logLevel(),
  METRICS_TOKEN: optionalSecret("METRICS_TOKEN", wranglerHint("METRICS_TOKEN")),
  ADMIN_USERS: piece((raw) => new Set(String(raw ?? "").split(",").map((name) => name.trim().toLowerCase()).filter(Boolean))),
  ...presenceEnv,
}).transform((env): WorkerConfig => {
  distinctSecrets(env.ROOM_TOKEN_SECRET, env.INTERNAL_SECRET);
  const connections = env.DB_MAX_CONNECTIONS;
  return {
    database: { databaseUrl: env.DATABASE_URL, wsProxy: env.DB_WS_PROXY },
    authSecret: env.AUTH_SECRET,
    roomTokenSecret: env.ROOM_TOKEN_SECRET,
    internalSecret: env.INTERNAL_SECRET,
    partyUrl: env.PARTY_URL,
    sessionTtlSeconds: Math.round(env.SESSION_TTL_HOURS * 3600),
    rateLimit: env.AUTH_RATE_LIMIT,
    ipRateLimit: env.AUTH_IP_RATE_LIMIT,
    clientIp: { trustCloudflare: env.TRUST_CF_CONNECTING_IP === "true", proxySecret: env.TRUSTED_PROXY_SECRET },
    // Up to 64 waiting per connection: past that, a request would wait longer than it is worth.
    databaseGate: new DatabaseGate({ connections, waitMs: env.DB_WAIT_MS, maxWaiting: connections * 64 }),
    log: createLogger({ level: env.LOG_LEVEL }),
    metricsToken: env.METRICS_TOKEN,
    adminUsers: env.ADMIN_USERS,
    presence: openPresenceStore(presenceOf(env), { baseUrl: env.PARTY_URL, secret: env.INTERNAL_SECRET }),
  };
});

const cache = new WeakMap<Env, WorkerConfig>();

/**
 * Reads and checks the configuration once per environment object (once per isolate in practice). A missing
 * or weak secret stops every request with a message that names the variable: production never runs with
 * a default secret.
 */
export function readConfig(env: Env): WorkerConfig {
  let config = cache.get(env);
  if (!config) {
    config = parseEnv(WorkerEnv, env);
    cache.set(env, config);
  }
  return config;
}
