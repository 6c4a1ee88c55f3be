import { describe, expect, it } from "vitest";
import { ConfigError, readConfig, type Env } from "./config.ts";

const limit = { limit: async () => ({ success: true }) };
const env = (extra: Partial<Env> = {}): Env => ({
  DATABASE_URL: "postgres://localhost/test",
  AUTH_SECRET: "a".repeat(32),
  ROOM_TOKEN_SECRET: "r".repeat(32),
  INTERNAL_SECRET: "i".repeat(32),
  PARTY_URL: "http://127.0.0.1:1999",
  AUTH_RATE_LIMIT: limit,
  AUTH_IP_RATE_LIMIT: limit,
  ...extra,
});

describe("the worker's operations settings", () => {
  it("default to LOG_LEVEL info, no metrics token and no admins", () => {
    const config = readConfig(env());
    expect(config.log.level).toBe("info");
    expect(config.metricsToken).toBeUndefined();
    expect([...config.adminUsers]).toEqual([]);
  });

  it("read LOG_LEVEL, METRICS_TOKEN and ADMIN_USERS (usernames, any case, comma-separated)", () => {
    const config = readConfig(env({ LOG_LEVEL: "warn", METRICS_TOKEN: "m".repeat(32), ADMIN_USERS: " Ada, grace ,," }));
    expect(config.log.level).toBe("warn");
    expect(config.metricsToken).toBe("m".repeat(32));
    expect([...config.adminUsers]).toEqual(["ada", "grace"]);
  });

  it.each([
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of debug, info, warn, error/],
    [{ METRICS_TOKEN: "short" }, /METRICS_TOKEN must be at least 32 characters/],
    [{ INTERNAL_SECRET: undefined }, /INTERNAL_SECRET must be set to a random string of at least 32 characters/],
    [{ INTERNAL_SECRET: "r".repeat(32) }, /INTERNAL_SECRET must differ from ROOM_TOKEN_SECRET/],
  ])("refuse %j with a ConfigError naming the variable", (extra, message) => {
    expect(() => readConfig(env(extra))).toThrow(ConfigError);
    expect(() => readConfig(env(extra))).toThrow(message);
  });
});

describe("without METRICS_TOKEN", () => {
  it("GET /api/metrics does not exist (404), and the admin endpoints want an admin's session (401)", async () => {
    const { createApp } = await import("./app.ts");
    const app = createApp();
    const metrics = await app.request("/api/metrics", { headers: { authorization: "Bearer " + "x".repeat(32) } }, env());
    expect(metrics.status).toBe(404);
    expect(((await metrics.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const admin = await app.request("/api/admin/rooms", { headers: { authorization: "Bearer " + "x".repeat(32) } }, env());
    expect(admin.status).toBe(401);
  });
});
