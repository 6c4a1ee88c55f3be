import { describe, expect, it } from "vitest";
import { createLogger, parseLogLevel, type LogLevel } from "./log.ts";

function collect(level: LogLevel, fields?: Record<string, unknown>) {
  const lines: Array<{ line: Record<string, unknown>; level: LogLevel }> = [];
  const log = createLogger({ level, fields, write: (line, at) => lines.push({ line: JSON.parse(line) as Record<string, unknown>, level: at }) });
  return { log, lines };
}

describe("parseLogLevel (LOG_LEVEL)", () => {
  it.each([
    [undefined, "info"],
    ["", "info"],
    ["debug", "debug"],
    ["WARN", "warn"],
    [" error ", "error"],
  ])("reads %j as %s", (raw, level) => {
    expect(parseLogLevel(raw)).toBe(level);
  });

  it.each(["verbose", "trace", "1", "info,debug"])("refuses %j, naming the variable and the choices", (raw) => {
    expect(() => parseLogLevel(raw)).toThrow(/LOG_LEVEL must be one of debug, info, warn, error/);
  });
});

describe("createLogger", () => {
  it("writes one JSON object per line with level, msg, time and the logger's fields", () => {
    const { log, lines } = collect("info", { requestId: "r-1" });
    log.info("hello", { status: 200 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.line).toMatchObject({ level: "info", msg: "hello", requestId: "r-1", status: 200 });
    expect(new Date(lines[0]!.line.time as string).getTime()).toBeGreaterThan(0);
  });

  it("leaves out what is below the level", () => {
    const { log, lines } = collect("warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(lines.map(({ line }) => line.msg)).toEqual(["w", "e"]);
  });

  it("children add fields; errors become name and message; nothing overwrites level, msg or time", () => {
    const { log, lines } = collect("debug", { room: "a" });
    log.child({ connection: "c1" }).error("failed", { error: new TypeError("bad\nsecond line"), level: "info", msg: "x" });
    expect(lines[0]!.line).toMatchObject({ level: "error", msg: "failed", room: "a", connection: "c1", error: { name: "TypeError", message: "bad" } });
    expect(lines[0]!.level).toBe("error");
  });

  it("keeps the line when a field cannot be serialized", () => {
    const { log, lines } = collect("info");
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    log.info("odd", { cycle });
    expect(lines[0]!.line).toMatchObject({ level: "info", msg: "odd", unserializable: true });
  });

  it("reads context fields per line", () => {
    let room: string | undefined;
    const lines: string[] = [];
    const log = createLogger({ level: "info", context: () => ({ room }), write: (line) => lines.push(line) });
    log.info("before");
    room = "my-notes";
    log.info("after");
    expect(lines.map((line) => JSON.parse(line).room)).toEqual([undefined, "my-notes"]);
  });
});
