import { describe, expect, test } from "vitest";
import { ErrorReply, ReplyParser, RespProtocolError, SimpleString, encodeCommand, parseRedisUrl, RedisUrlError } from "./resp.ts";

// What a Redis server sends for: +OK, -ERR, :42, a bulk string containing CRLF, nil, and an EXEC-like
// nested array holding an integer, a nil array, an error and an empty bulk string.
const WIRE = Buffer.from(
  "+OK\r\n-ERR wrong\r\n:-42\r\n$4\r\na\r\nb\r\n$-1\r\n*3\r\n:1\r\n*-1\r\n*2\r\n-WRONGTYPE x\r\n$0\r\n\r\n",
);
const EXPECTED = [
  new SimpleString("OK"),
  new ErrorReply("ERR wrong"),
  -42,
  Buffer.from("a\r\nb"),
  null,
  [1, null, [new ErrorReply("WRONGTYPE x"), Buffer.alloc(0)]],
];

describe("ReplyParser", () => {
  test("parses every RESP2 reply type", () => {
    expect(new ReplyParser().push(WIRE)).toEqual(EXPECTED);
  });

  test("gives the same replies however the bytes are split", () => {
    for (let size = 1; size <= 7; size++) {
      const parser = new ReplyParser();
      const replies = [];
      for (let i = 0; i < WIRE.length; i += size) replies.push(...parser.push(WIRE.subarray(i, i + size)));
      expect(replies, `chunks of ${size}`).toEqual(EXPECTED);
    }
  });

  test("rejects bytes that are not RESP2", () => {
    expect(() => new ReplyParser().push(Buffer.from("%1\r\n"))).toThrow(RespProtocolError);
    expect(() => new ReplyParser().push(Buffer.from(":12x\r\n"))).toThrow(RespProtocolError);
  });
});

test("encodeCommand writes an array of bulk strings, byte lengths included", () => {
  expect(encodeCommand([Buffer.from("SET"), Buffer.from("k"), Buffer.from("é")]).toString()).toBe("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n");
});

describe("parseRedisUrl", () => {
  test("reads host, port, credentials and database", () => {
    expect(parseRedisUrl("redis://user:p%40ss@db.local:6380/2")).toEqual({ host: "db.local", port: 6380, username: "user", password: "p@ss", db: 2 });
    expect(parseRedisUrl("redis://127.0.0.1")).toEqual({ host: "127.0.0.1", port: 6379, username: undefined, password: undefined, db: 0 });
  });

  test.each(["localhost:6379", "rediss://127.0.0.1:6379", "redis://127.0.0.1/x"])("rejects %s", (url) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
  });
});
