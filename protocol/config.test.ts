import { describe, expect, it } from "vitest";
import { ConfigError, envSchema, optionalSecret, parseEnv, positiveInt, postgresUrl, presenceEnv, presenceOf, secret } from "./config.ts";

const Env = envSchema({
  DATABASE_URL: postgresUrl("hint"),
  TOKEN: secret("TOKEN", "set it"),
  EXTRA: optionalSecret("EXTRA"),
  COUNT: positiveInt("COUNT", 7),
  ...presenceEnv,
}).transform((env) => ({ ...env, presence: presenceOf(env) }));
const good = { DATABASE_URL: "postgresql://h/db", TOKEN: "t".repeat(32) };

describe("the shared configuration pieces", () => {
  it("give defaults for what is unset or empty, and ignore other variables", () => {
    expect(parseEnv(Env, { ...good, COUNT: "", OTHER: "x" })).toEqual({ ...good, EXTRA: undefined, COUNT: 7, UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined, presence: { backend: "lobby" } });
  });

  it.each([
    [{ DATABASE_URL: "mysql://h" }, 'DATABASE_URL must be set to a postgres:// URL (hint)'],
    [{ TOKEN: undefined }, "TOKEN must be set to a random string of at least 32 characters (set it)"],
    [{ EXTRA: "short" }, "EXTRA must be at least 32 characters when set"],
    [{ COUNT: "1.5" }, 'COUNT must be a positive integer, got "1.5"'],
    [{ UPSTASH_REDIS_REST_URL: "http://u" }, "UPSTASH_REDIS_REST_TOKEN must be set too: presence uses Redis only with both (or neither, for the lobby party)"],
    [{ UPSTASH_REDIS_REST_URL: "u", UPSTASH_REDIS_REST_TOKEN: "t" }, 'UPSTASH_REDIS_REST_URL must be an http(s) URL, got "u"'],
  ])("refuse %j with one ConfigError that names the variable", (extra, message) => {
    expect(() => parseEnv(Env, { ...good, ...extra })).toThrow(ConfigError);
    expect(() => parseEnv(Env, { ...good, ...extra })).toThrow(message);
  });

  it("read Redis when both Upstash variables are set", () => {
    expect(parseEnv(Env, { ...good, UPSTASH_REDIS_REST_URL: " https://u.example ", UPSTASH_REDIS_REST_TOKEN: "tok" }).presence).toEqual({ backend: "redis", url: "https://u.example", token: "tok" });
  });
});
