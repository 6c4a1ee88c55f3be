import { z } from "zod";
import { parseLogLevel } from "./log.ts";

/**
 * The pieces every runtime's configuration is built from (issue 13: one configuration path). The worker
 * (worker/config.ts) and the rooms (party/config.ts) each hold ONE zod schema over their environment, made
 * of these pieces; a bad value fails that schema, and `parseEnv` turns the first failure into a
 * {@link ConfigError} whose message names the variable and says what is wrong. Environment values are
 * strings (wrangler `[vars]`, secrets, partykit `--var`), so each piece takes `unknown` and checks it.
 *
 * @example
 * const RoomEnv = envSchema({ DATABASE_URL: postgresUrl("npm run dev sets it for you"), MAX_DOCUMENT_BYTES: positiveInt("MAX_DOCUMENT_BYTES", 1 << 20) });
 * const env = parseEnv(RoomEnv, room.env); // throws ConfigError("MAX_DOCUMENT_BYTES must be a positive integer, got \"0\"")
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * A runtime's environment schema: its variables, each a piece below. Unknown variables are ignored (the
 * environment holds more than one runtime's settings). Runtimes build on this instead of importing zod.
 */
export function envSchema<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object(shape);
}

/** Any other variable, taken as it is (a runtime that only compares it, like `PRESENCE=off`). */
export const asIs = () => piece((value: unknown) => value);

/** Parses `env` with a runtime's schema; the first problem becomes a ConfigError with its message. */
export function parseEnv<S extends z.ZodType>(schema: S, env: unknown): z.output<S> {
  const parsed = schema.safeParse(env ?? {});
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues[0]?.message ?? "invalid configuration");
}

/** A custom check: `check` returns the value, or `{ problem }`: what is wrong, the ConfigError's message. */
export function piece<T>(check: (raw: unknown) => T | { problem: string }): z.ZodType<T, unknown> {
  // A bare transform, not z.unknown().transform(): zod runs it for an unset variable too (defaults, "must be
  // set" messages), where a schema that is not optional-in would report "expected nonoptional" instead.
  return z.transform((raw: unknown, ctx): T => {
    const result = check(raw);
    if (result !== null && typeof result === "object" && "problem" in result) {
      ctx.addIssue({ code: "custom", message: result.problem });
      return z.NEVER;
    }
    return result as T;
  });
}

const isSet = (raw: unknown): raw is string => typeof raw === "string" && raw !== "";

/** `DATABASE_URL`: a postgres:// URL; `hint` says how to set it in this runtime. */
export const postgresUrl = (hint: string) =>
  piece((raw) => (typeof raw === "string" && /^postgres(ql)?:\/\//.test(raw) ? raw : { problem: `DATABASE_URL must be set to a postgres:// URL (${hint})` }));

/** A required secret: a random string of at least 32 characters (a runtime never starts with a weak one). */
export const secret = (name: string, hint: string) =>
  piece((raw) => (typeof raw === "string" && raw.length >= 32 ? raw : { problem: `${name} must be set to a random string of at least 32 characters (${hint})` }));

/** An optional secret: unset or empty is undefined, anything else has at least 32 characters. */
export const optionalSecret = (name: string, hint = "") =>
  piece((raw) => (!isSet(raw) ? undefined : raw.length >= 32 ? raw : { problem: `${name} must be at least 32 characters when set${hint ? ` (${hint})` : ""}` }));

/** A positive integer, `fallback` when unset or empty. */
export const positiveInt = (name: string, fallback: number) =>
  piece((raw) => {
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    return Number.isInteger(value) && value > 0 ? value : { problem: `${name} must be a positive integer, got "${String(raw)}"` };
  });

/** A binding (not a string): present and of the expected shape, or `problem`. */
export const binding = <T>(is: (raw: unknown) => raw is T, problem: string) => piece((raw) => (is(raw) ? raw : { problem }));

/** One of a few words, `fallback` when unset or empty; `problem` gets the value given. */
export const oneOf = <const Word extends string>(words: readonly Word[], fallback: Word, problem: (raw: string) => string) =>
  piece((raw): Word | { problem: string } => (raw === undefined || raw === "" ? fallback : (words as readonly unknown[]).includes(raw) ? (raw as Word) : { problem: problem(String(raw)) }));

/** An optional string: unset or empty is undefined. */
export const optionalString = () => piece((raw) => (isSet(raw) ? raw : undefined));

/** An http(s) URL with no trailing slash; `problem` is the message when it is missing or not one. */
export const httpUrl = (problem: string) =>
  piece((raw) => (typeof raw === "string" && /^https?:\/\//.test(raw) ? raw.replace(/\/$/, "") : { problem }));

/** `LOG_LEVEL`: debug, info (default), warn or error, in any case. */
export const logLevel = () =>
  piece((raw) => {
    try {
      return parseLogLevel(raw);
    } catch (error) {
      return { problem: (error as Error).message };
    }
  });

/** Where presence lives: Redis through Upstash's REST API, or the lobby party. */
export type PresenceConfig = { backend: "redis"; url: string; token: string } | { backend: "lobby" };

const trimmed = (raw: unknown) => (typeof raw === "string" && raw.trim() !== "" ? raw.trim() : undefined);

/**
 * `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN`, read by both runtimes: Redis when both are set,
 * the lobby party when neither is. One without the other is a configuration error, not a silent fallback.
 * Spread into a runtime's schema; `presenceOf` turns the parsed fields into a {@link PresenceConfig}.
 */
export const presenceEnv = {
  UPSTASH_REDIS_REST_URL: piece(trimmed),
  UPSTASH_REDIS_REST_TOKEN: piece(trimmed),
};

/** The presence backend of parsed {@link presenceEnv} fields (throws ConfigError for half a configuration). */
export function presenceOf(env: { UPSTASH_REDIS_REST_URL: string | undefined; UPSTASH_REDIS_REST_TOKEN: string | undefined }): PresenceConfig {
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env;
  if (!url && !token) return { backend: "lobby" };
  if (!url || !token) {
    throw new ConfigError(`${url ? "UPSTASH_REDIS_REST_TOKEN" : "UPSTASH_REDIS_REST_URL"} must be set too: presence uses Redis only with both (or neither, for the lobby party)`);
  }
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new ConfigError(`UPSTASH_REDIS_REST_URL must be an http(s) URL, got "${url.slice(0, 80)}"`);
  return { backend: "redis", url, token };
}

/** ROOM_TOKEN_SECRET and INTERNAL_SECRET are two credentials: a runtime given one value for both refuses it. */
export function distinctSecrets(roomTokenSecret: string, internalSecret: string): void {
  if (roomTokenSecret === internalSecret) throw new ConfigError("INTERNAL_SECRET must differ from ROOM_TOKEN_SECRET: one credential per purpose");
}
