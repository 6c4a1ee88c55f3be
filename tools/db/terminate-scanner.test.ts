import { describe, expect, test } from "vitest";
import { STARTUP_CODE, typed, untyped } from "./postgres-messages.ts";
import { PostgresFramingError, TerminateScanner } from "./terminate-scanner.ts";

const SSL_REQUEST = untyped(80877103);
const STARTUP = untyped(STARTUP_CODE, Buffer.from("user\0postgres\0\0"));
const TERMINATE = typed("X");

/** Mulberry32: small, seedable, good enough to pick chunk sizes and payloads. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feeds `stream` in the given chunk sizes; returns the stream offset where the scanner saw Terminate end. */
function scan(stream: Buffer, next: () => number): number {
  const scanner = new TerminateScanner();
  for (let offset = 0; offset < stream.length; ) {
    const size = Math.max(1, Math.min(stream.length - offset, next()));
    const end = scanner.push(stream.subarray(offset, offset + size));
    if (end !== -1) return offset + end;
    offset += size;
  }
  return -1;
}

describe("TerminateScanner", () => {
  test("finds the Terminate after SSLRequest, startup and messages whose bodies contain 'X' bytes", () => {
    const before = Buffer.concat([SSL_REQUEST, STARTUP, typed("Q", Buffer.from("select 'X\0\0\0\x04'\0")), typed("X", Buffer.of(1))]);
    expect(scan(Buffer.concat([before, TERMINATE, typed("Q")]), () => 1_000)).toBe(before.length + 5);
  });

  test("does not take the StartupMessage for typed messages", () => {
    // A startup packet of length 0x58000000 would read as 'X'... if parsed as typed; 88 bytes here.
    const startup = untyped(STARTUP_CODE, Buffer.alloc(80, 0x58));
    expect(scan(Buffer.concat([startup, typed("S")]), () => 1_000)).toBe(-1);
  });

  test("throws on lengths no message has", () => {
    expect(() => new TerminateScanner().push(Buffer.of(0, 0, 0, 4, 0, 3, 0, 0))).toThrow(PostgresFramingError);
    const scanner = new TerminateScanner();
    scanner.push(STARTUP);
    expect(() => scanner.push(Buffer.of(0x51, 0, 0, 0, 3))).toThrow(PostgresFramingError);
  });

  test("finds the Terminate at the same offset however the stream is chunked (seeded)", () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const next = random(seed);
    for (let run = 0; run < 200; run++) {
      const messages = [STARTUP];
      const count = Math.floor(next() * 20);
      for (let i = 0; i < count; i++) {
        const body = Buffer.alloc(Math.floor(next() * (next() < 0.1 ? 200_000 : 64)), 0x58);
        messages.push(typed("QPBEDSdX"[Math.floor(next() * 7)]!, body));
      }
      const expected = Buffer.concat(messages).length + 5;
      const stream = Buffer.concat([...messages, TERMINATE, typed("Q")]);
      const maxChunk = 1 + Math.floor(next() * (next() < 0.5 ? 8 : 70_000));
      const found = scan(stream, () => 1 + Math.floor(next() * maxChunk));
      // On failure the seed reproduces the run: SEED=<seed> npx vitest run ...
      expect(found, `seed ${seed}, run ${run}`).toBe(expected);
    }
  });
});
