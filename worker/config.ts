import type { DatabaseConfig } from "@collab/db";
import { createLogger, parseLogLevel, type Logger } from "@collab/protocol";
import { openPresenceStore, readPresenceConfig, type PresenceStore } from "@collab/presence";
import { DatabaseGate } from "./database-gate.ts";

/** The worker's bindings and variables: wrangler.toml `[vars]`, secrets, `--var` in dev. */
export interface Env {
  DATABASE_URL?: string;
  DB_WS_PROXY?: string;
  /** Signs session tokens. At least 32 characters. */
  AUTH_SECRET?: string;
  /** Signs room tokens; the party holds the same secret to verify them. At least 32 characters. */
  ROOM_TOKEN_SECRET?: string;
  /** The worker's credential for room commands and the presence lobby; the party holds the same. 32+ characters. */
  INTERNAL_SECRET?: string;
  /** Where the party runs, for access changes and live edits (e.g. https://collab-editor.user.partykit.dev). */
  PARTY_URL?: string;
  SESSION_TTL_HOURS?: string;
  /** Workers rate-limiting binding for login and registration (wrangler.toml `[[ratelimits]]`). */
  AUTH_RATE_LIMIT?: RateLimit;
  /** The per-address login limit across accounts (a second binding: limits are per binding). */
  AUTH_IP_RATE_LIMIT?: RateLimit;
  /** `true` only where Cloudflare's edge sets `cf-connecting-ip` (production); never on `wrangler dev`. */
  TRUST_CF_CONNECTING_IP?: string;
  /** A proxy that sends this in `x-proxy-secret` may set `cf-connecting-ip` (the dev proxy, tests). */
  TRUSTED_PROXY_SECRET?: string;
  /** Presence in Redis through Upstash's REST API; without them, the lobby party holds presence. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** Requests of one isolate that may hold a database connection at once (default 8). */
  DB_MAX_CONNECTIONS?: string;
  /** How long a request waits for a database connection before answering 503 (default 5000). */
  DB_WAIT_MS?: string;
  /** debug, info (default), warn or error. */
  LOG_LEVEL?: string;
  /** Bearer token for GET /api/metrics and the admin endpoints (32+ characters); unset: both are off for it. */
  METRICS_TOKEN?: string;
  /** Usernames (comma-separated) that have the admin role: the admin endpoints with their session. */
  ADMIN_USERS?: string;
}

export interface RateLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

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

export class ConfigError extends Error {
  override name = "ConfigError";
}

const cache = new WeakMap<Env, WorkerConfig>();

/**
 * Reads and checks the configuration once per environment object (once per isolate in practice). A missing
 * or weak secret stops every request with a message that names the variable: production never runs with
 * a default secret.
 */
export function readConfig(env: Env): WorkerConfig {
  let config = cache.get(env);
  if (config) return config;
  if (!env.DATABASE_URL || !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
    throw new ConfigError("DATABASE_URL must be set to a postgres:// URL (npx wrangler secret put DATABASE_URL)");
  }
  const ttlHours = Number(env.SESSION_TTL_HOURS ?? 24);
  if (!Number.isFinite(ttlHours) || ttlHours <= 0 || ttlHours > 24 * 30) throw new ConfigError("SESSION_TTL_HOURS must be a number of hours between 0 and 720");
  if (!env.PARTY_URL || !/^https?:\/\//.test(env.PARTY_URL)) throw new ConfigError("PARTY_URL must be the party's http(s) URL");
  if (!env.AUTH_RATE_LIMIT) throw new ConfigError("the AUTH_RATE_LIMIT rate-limiting binding is missing (wrangler.toml [[ratelimits]])");
  if (!env.AUTH_IP_RATE_LIMIT) throw new ConfigError("the AUTH_IP_RATE_LIMIT rate-limiting binding is missing (wrangler.toml [[ratelimits]])");
  if (env.TRUST_CF_CONNECTING_IP !== undefined && !["true", "false", ""].includes(env.TRUST_CF_CONNECTING_IP)) {
    throw new ConfigError(`TRUST_CF_CONNECTING_IP must be "true" or "false", got "${env.TRUST_CF_CONNECTING_IP}"`);
  }
  const proxySecret = env.TRUSTED_PROXY_SECRET || undefined;
  if (proxySecret !== undefined && proxySecret.length < 32) throw new ConfigError("TRUSTED_PROXY_SECRET must be at least 32 characters when set");
  const roomTokenSecret = secret(env, "ROOM_TOKEN_SECRET");
  const internalSecret = secret(env, "INTERNAL_SECRET");
  if (internalSecret === roomTokenSecret) throw new ConfigError("INTERNAL_SECRET must differ from ROOM_TOKEN_SECRET: one credential per purpose");
  const partyUrl = env.PARTY_URL.replace(/\/$/, "");
  const connections = positiveInt(env.DB_MAX_CONNECTIONS, "DB_MAX_CONNECTIONS", 8);
  const waitMs = positiveInt(env.DB_WAIT_MS, "DB_WAIT_MS", 5_000);
  let logLevel;
  try {
    logLevel = parseLogLevel(env.LOG_LEVEL);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 32) throw new ConfigError("METRICS_TOKEN must be at least 32 characters when set (npx wrangler secret put METRICS_TOKEN)");
  const adminUsers = new Set((env.ADMIN_USERS ?? "").split(",").map((name) => name.trim().toLowerCase()).filter(Boolean));
  config = {
    database: { databaseUrl: env.DATABASE_URL, wsProxy: env.DB_WS_PROXY || undefined },
    authSecret: secret(env, "AUTH_SECRET"),
    roomTokenSecret,
    internalSecret,
    partyUrl,
    sessionTtlSeconds: Math.round(ttlHours * 3600),
    rateLimit: env.AUTH_RATE_LIMIT,
    ipRateLimit: env.AUTH_IP_RATE_LIMIT,
    clientIp: { trustCloudflare: env.TRUST_CF_CONNECTING_IP === "true", proxySecret },
    // Up to 64 waiting per connection: past that, a request would wait longer than it is worth.
    databaseGate: new DatabaseGate({ connections, waitMs, maxWaiting: connections * 64 }),
    log: createLogger({ level: logLevel }),
    metricsToken,
    adminUsers,
    presence: openPresenceStore(readPresenceConfig(env as Record<string, unknown>), { baseUrl: partyUrl, secret: internalSecret }),
  };
  cache.set(env, config);
  return config;
}

function secret(env: Env, name: "AUTH_SECRET" | "ROOM_TOKEN_SECRET" | "INTERNAL_SECRET"): string {
  const value = env[name];
  if (!value || value.length < 32) throw new ConfigError(`${name} must be set to a random string of at least 32 characters (npx wrangler secret put ${name})`);
  return value;
}

function positiveInt(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
