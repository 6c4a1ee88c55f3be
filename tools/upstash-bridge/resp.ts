import { connect, type Socket } from "node:net";
import { once } from "node:events";

/**
 * Just enough of a Redis client for the bridge: RESP2 over one TCP connection, commands as byte arrays,
 * replies typed precisely. A general client (ioredis, node-redis) returns status replies (`+OK`) and bulk
 * strings alike, but Upstash's REST encoding treats them differently (see bridge.ts), so the bridge keeps
 * the reply types here.
 *
 * What it deliberately does not do: RESP3, TLS (`rediss://`), pub/sub, blocking commands. The bridge
 * refuses the commands that would leave the shared connection in another mode or stall it.
 */

/** A status reply (`+OK`, `+PONG`, `+string`), kept apart from bulk strings. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/** An error reply (`-ERR ...`). A value, not a throw: inside EXEC's array it is one command's result. */
export class ErrorReply {
  constructor(readonly message: string) {}
}

export type Reply = null | number | Buffer | SimpleString | ErrorReply | Reply[];

export class RespProtocolError extends Error {
  override name = "RespProtocolError";
}

const CRLF = Buffer.from("\r\n");

/** One command in RESP2's request form: an array of bulk strings. */
export function encodeCommand(args: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, CRLF);
  return Buffer.concat(parts);
}

const INCOMPLETE = Symbol("incomplete");
type Step = Reply | typeof INCOMPLETE;

/** Incremental RESP2 reply parser: feed it socket chunks, get back the replies they complete. */
export class ReplyParser {
  #buffer: Buffer = Buffer.alloc(0);
  #offset = 0;

  push(chunk: Buffer): Reply[] {
    this.#buffer = this.#offset < this.#buffer.length ? Buffer.concat([this.#buffer.subarray(this.#offset), chunk]) : chunk;
    this.#offset = 0;
    const replies: Reply[] = [];
    for (;;) {
      const start = this.#offset;
      const reply = this.#read();
      if (reply === INCOMPLETE) {
        // Re-parsed from its start when more bytes arrive; replies are small next to the socket's chunks.
        this.#offset = start;
        return replies;
      }
      replies.push(reply);
    }
  }

  #read(): Step {
    if (this.#offset >= this.#buffer.length) return INCOMPLETE;
    const type = this.#buffer[this.#offset]!;
    const end = this.#buffer.indexOf(CRLF, this.#offset + 1);
    if (end < 0) return INCOMPLETE;
    const line = this.#buffer.toString("utf8", this.#offset + 1, end);
    this.#offset = end + 2;
    switch (type) {
      case 0x2b: // +
        return new SimpleString(line);
      case 0x2d: // -
        return new ErrorReply(line);
      case 0x3a: // :
        return integer(line);
      case 0x24: { // $
        const length = integer(line);
        if (length < 0) return null;
        if (this.#buffer.length < this.#offset + length + 2) return INCOMPLETE;
        const value = this.#buffer.subarray(this.#offset, this.#offset + length);
        this.#offset += length + 2;
        return value;
      }
      case 0x2a: { // *
        const count = integer(line);
        if (count < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < count; i++) {
          const item = this.#read();
          if (item === INCOMPLETE) return INCOMPLETE;
          items.push(item);
        }
        return items;
      }
      default:
        throw new RespProtocolError(`unexpected reply type byte 0x${type.toString(16)}`);
    }
  }
}

function integer(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new RespProtocolError(`not an integer: "${text.slice(0, 40)}"`);
  return Number(text);
}

/** Where a `redis://[[user]:password@]host[:port][/db]` URL points, checked. */
export interface RedisTarget {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
}

export class RedisUrlError extends Error {
  override name = "RedisUrlError";
}

export function parseRedisUrl(redisUrl: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    throw new RedisUrlError("REDIS_URL is not a URL (expected redis://host:port)");
  }
  if (url.protocol !== "redis:") throw new RedisUrlError(`REDIS_URL has scheme "${url.protocol}"; the bridge speaks plain redis:// only`);
  if (!url.hostname) throw new RedisUrlError("REDIS_URL has no host");
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new RedisUrlError(`REDIS_URL names database "${url.pathname.slice(1)}"; use a number`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db,
  };
}

interface Pending {
  expected: number;
  replies: Reply[];
  resolve(replies: Reply[]): void;
  reject(error: Error): void;
}

/**
 * One Redis connection, pipelined: every `send` writes its commands in a single socket write and the
 * replies come back in order. Because a batch is written contiguously and Redis runs one connection's
 * commands in order, a `MULTI ... EXEC` batch is never interleaved with another request's commands.
 */
export class RedisConnection {
  readonly #socket: Socket;
  readonly #parser = new ReplyParser();
  readonly #pending: Pending[] = [];
  #closedBecause: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      let replies: Reply[];
      try {
        replies = this.#parser.push(chunk);
      } catch (error) {
        return this.#fail(error as Error);
      }
      for (const reply of replies) {
        const head = this.#pending[0];
        if (!head) return this.#fail(new RespProtocolError("a reply arrived that nobody asked for"));
        head.replies.push(reply);
        if (head.replies.length === head.expected) {
          this.#pending.shift();
          head.resolve(head.replies);
        }
      }
    });
    socket.on("error", (error) => this.#fail(error));
    socket.on("close", () => this.#fail(new Error("the Redis connection closed")));
  }

  /** Connects, authenticates and selects the database of `redisUrl`; `name` shows in CLIENT LIST. */
  static async open(redisUrl: string, options: { name?: string; timeoutMs?: number } = {}): Promise<RedisConnection> {
    const target = parseRedisUrl(redisUrl);
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer from Redis at ${target.host}:${target.port}`)), options.timeoutMs ?? 5_000);
    try {
      await once(socket, "connect");
    } catch (error) {
      throw new Error(`cannot reach Redis at ${target.host}:${target.port}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    const connection = new RedisConnection(socket);
    const setup: string[][] = [];
    if (target.password !== undefined) setup.push(target.username ? ["AUTH", target.username, target.password] : ["AUTH", target.password]);
    if (target.db !== 0) setup.push(["SELECT", String(target.db)]);
    if (options.name) setup.push(["CLIENT", "SETNAME", options.name]);
    setup.push(["PING"]);
    const replies = await connection.send(setup.map((command) => command.map((arg) => Buffer.from(arg))));
    const failed = replies.find((reply) => reply instanceof ErrorReply);
    if (failed) {
      connection.close();
      throw new Error(`Redis refused the connection setup: ${(failed as ErrorReply).message}`);
    }
    return connection;
  }

  get closed(): boolean {
    return this.#closedBecause !== undefined;
  }

  send(commands: readonly (readonly Buffer[])[]): Promise<Reply[]> {
    if (this.#closedBecause) return Promise.reject(this.#closedBecause);
    if (commands.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#pending.push({ expected: commands.length, replies: [], resolve, reject });
      this.#socket.write(Buffer.concat(commands.map(encodeCommand)));
    });
  }

  close(): void {
    this.#fail(new Error("the Redis connection was closed by the bridge"));
  }

  #fail(error: Error): void {
    this.#closedBecause ??= error;
    this.#socket.destroy();
    for (const pending of this.#pending.splice(0)) pending.reject(this.#closedBecause);
  }
}
