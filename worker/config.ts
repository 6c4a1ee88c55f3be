import type { DatabaseConfig } from "@collab/db";

/** The worker's bindings and variables (wrangler.toml `[vars]`, secrets, or `--var` in dev). */
export interface Env {
  DATABASE_URL?: string;
  DB_WS_PROXY?: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads the database settings once per request, naming the variable when it is missing. */
export function databaseConfig(env: Env): DatabaseConfig {
  if (!env.DATABASE_URL || !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
    throw new ConfigError("DATABASE_URL must be set to a postgres:// URL (wrangler secret put DATABASE_URL)");
  }
  return { databaseUrl: env.DATABASE_URL, wsProxy: env.DB_WS_PROXY || undefined };
}
