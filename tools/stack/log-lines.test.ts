import { describe, expect, it } from "vitest";
import { humanLogLine } from "./log-lines.ts";

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

describe("humanLogLine", () => {
  it("shows a JSON log line as one short line, room first and request id last", () => {
    expect(plain(humanLogLine('{"level":"warn","msg":"closing a connection","time":"2026-01-01T00:00:00.000Z","room":"my-notes","code":4429,"reason":"too fast"}'))).toBe(
      'warn  room my-notes: closing a connection code=4429 reason="too fast"',
    );
    expect(plain(humanLogLine('{"level":"info","msg":"request","time":"t","requestId":"abc","status":200}'))).toBe("info  request status=200 (abc)");
  });

  it("keeps what came before the JSON (a runtime's prefix), and colours errors red", () => {
    const line = humanLogLine('[pk:err] {"level":"error","msg":"load failed","time":"t","room":"x","error":"Error: down"}');
    expect(line.startsWith("[pk:err] \x1b[31m")).toBe(true);
    expect(plain(line)).toBe('[pk:err] error room x: load failed error="Error: down"');
  });

  it("drops partykit's \"✘ [ERROR]\" in front of a line that is no error, and reads through colour codes", () => {
    const warn = '\x1b[31m✘ \x1b[41;31m[\x1b[41;97mERROR\x1b[41;31m]\x1b[0m \x1b[1m{"level":"warn","msg":"closing a connection","time":"t","room":"r","code":4422}\x1b[0m';
    expect(plain(humanLogLine(warn))).toBe("warn  room r: closing a connection code=4422");
    const error = '✘ [ERROR] {"level":"error","msg":"load failed","time":"t","room":"r"}';
    expect(plain(humanLogLine(error))).toBe("✘ [ERROR] error room r: load failed");
  });

  it("leaves every other line alone", () => {
    for (const line of ["Ready on http://127.0.0.1:8787", '{"not":"a log line"}', '{"level":"info", broken']) expect(humanLogLine(line)).toBe(line);
  });
});
