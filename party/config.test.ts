import { describe, expect, it } from "vitest";
import { ConfigError, readRoomConfig } from "./config.ts";

const base = { DATABASE_URL: "postgres://localhost/test", ROOM_TOKEN_SECRET: "s".repeat(32), INTERNAL_SECRET: "i".repeat(32) };

describe("the room's LOG_LEVEL and METRICS_REPORT_MS", () => {
  it("default to info and 5 s", () => {
    expect(readRoomConfig(base)).toMatchObject({ logLevel: "info", metricsReportMs: 5_000 });
  });

  it("take a level in any case", () => {
    expect(readRoomConfig({ ...base, LOG_LEVEL: "Debug" }).logLevel).toBe("debug");
  });

  it.each([["LOG_LEVEL", "verbose", /LOG_LEVEL must be one of/], ["METRICS_REPORT_MS", "0", /METRICS_REPORT_MS must be a positive integer/]])("refuse %s=%s with a ConfigError naming it", (name, value, message) => {
    expect(() => readRoomConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => readRoomConfig({ ...base, [name]: value })).toThrow(message);
  });
});

describe("the room's secrets", () => {
  it.each([
    [{ INTERNAL_SECRET: undefined }, /INTERNAL_SECRET must be set to a random string of at least 32 characters/],
    [{ INTERNAL_SECRET: "short" }, /INTERNAL_SECRET must be set/],
    [{ INTERNAL_SECRET: "s".repeat(32) }, /INTERNAL_SECRET must differ from ROOM_TOKEN_SECRET/],
  ])("refuse %j with a ConfigError naming the variable", (extra, message) => {
    expect(() => readRoomConfig({ ...base, ...extra })).toThrow(ConfigError);
    expect(() => readRoomConfig({ ...base, ...extra })).toThrow(message);
  });
});

describe("the room's presence backend", () => {
  it("is the lobby without Upstash, Redis with both variables, and a ConfigError with one of them", () => {
    expect(readRoomConfig(base).presence).toEqual({ backend: "lobby" });
    expect(readRoomConfig({ ...base, UPSTASH_REDIS_REST_URL: "https://u.example", UPSTASH_REDIS_REST_TOKEN: "t" }).presence).toEqual({ backend: "redis", url: "https://u.example", token: "t" });
    expect(() => readRoomConfig({ ...base, UPSTASH_REDIS_REST_URL: "https://u.example" })).toThrow(ConfigError);
  });
});

describe("the room's automatic versions", () => {
  it("are on by default and off with AUTO_VERSIONS=off", () => {
    expect(readRoomConfig(base).versions).toMatchObject({ auto: true, settleMs: 30_000, maxWaitMs: 300_000 });
    expect(readRoomConfig({ ...base, AUTO_VERSIONS: "off" }).versions.auto).toBe(false);
  });

  it("refuse any other AUTO_VERSIONS with a ConfigError naming it", () => {
    expect(() => readRoomConfig({ ...base, AUTO_VERSIONS: "no" })).toThrow(/AUTO_VERSIONS must be/);
  });
});
