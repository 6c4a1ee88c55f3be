import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorReply, RedisConnection, SimpleString, type Reply } from "./resp.ts";

/**
 * A local stand-in for Upstash's REST endpoint in front of a real Redis, so that `@upstash/redis` (the
 * production client, unchanged) works on a developer machine and in CI. Dev tooling only: never deployed.
 *
 * The protocol, as `@upstash/redis` 1.x speaks it:
 *
 * | request | body | 200 answer |
 * | --- | --- | --- |
 * | `POST /` | one command: `["SET","k","v","EX",10]` (strings and numbers) | `{"result": ...}` |
 * | `POST /pipeline` | an array of commands | `[{"result": ...} or {"error": "..."}, ...]`, one per command |
 * | `POST /multi-exec` | an array of commands, run as MULTI/EXEC | the same shape as `/pipeline` |
 *
 * - Every request needs `Authorization: Bearer <token>`; anything else is 401 `{"error": "Unauthorized"}`.
 * - A Redis error reply to a single command is 400 `{"error": "<redis message>"}`; inside a pipeline or a
 *   transaction it is that command's `{"error"}` entry (200 overall). A command Redis refuses to queue
 *   (unknown command, wrong arity) aborts the whole transaction: 400 with Redis's message.
 * - A body that is not JSON, not a command (array of strings and numbers), or an empty batch is 400; other
 *   paths are 404, other methods 405, bodies over `maxBodyBytes` 413, Redis unreachable 503.
 * - Results: integers are JSON numbers, nil is `null`, arrays are arrays (recursively).
 * - `Upstash-Encoding: base64` (the client's default): every string in a result is base64 of its bytes,
 *   bulk and status replies alike, except a whole result that is the status reply `OK`, which stays `OK`.
 *   That is exactly what the client decodes (`decode()` in @upstash/redis's http.ts): it passes a
 *   top-level `"OK"` through and base64-decodes every other string, so a plain `PONG` or `string` (TYPE)
 *   would come out as garbage. Without the header, strings are sent as UTF-8 text.
 *
 * What it deliberately does not do: the path-style GET API (`/set/foo/bar`), `_token` in the query,
 * SUBSCRIBE (SSE), blocking commands, or anything that changes the connection's state (SELECT, MULTI
 * outside /multi-exec, CLIENT REPLY...). All requests share one pipelined Redis connection (resp.ts);
 * those commands are refused with 400 so that one request cannot stall or corrupt the others.
 */

export interface UpstashBridgeOptions {
  /** `redis://[[user]:password@]host[:port][/db]` */
  redisUrl: string;
  /** Interface to listen on; keep it on loopback. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The Bearer token clients must send; a random one when omitted. */
  token?: string;
  /** Largest request body accepted (default 10 MB). */
  maxBodyBytes?: number;
}

export interface UpstashBridge {
  /** `http://127.0.0.1:PORT`: UPSTASH_REDIS_REST_URL. */
  url: string;
  /** UPSTASH_REDIS_REST_TOKEN. */
  token: string;
  port: number;
  /** HTTP requests answered so far (any status): tests count round trips with it. */
  requests(): number;
  stop(): Promise<void>;
}

/** Commands that would block the shared connection or change its mode for every other request. */
const REFUSED = new Set([
  "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
  "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "SWAPDB", "AUTH", "HELLO", "RESET", "QUIT", "CLIENT",
  "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
  "SHUTDOWN", "SYNC", "PSYNC", "REPLICAOF", "SLAVEOF",
]);

class BadRequest extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Starts the bridge; fails at once when Redis cannot be reached.
 *
 * @example
 * const bridge = await startUpstashBridge({ redisUrl: "redis://127.0.0.1:6379" });
 * const redis = new Redis({ url: bridge.url, token: bridge.token });  // @upstash/redis/cloudflare
 * await redis.set("greeting", "hello");
 * await bridge.stop();
 */
export async function startUpstashBridge(options: UpstashBridgeOptions): Promise<UpstashBridge> {
  const { redisUrl, host = "127.0.0.1", port = 0, maxBodyBytes = 10 * 1024 * 1024 } = options;
  const token = options.token ?? randomBytes(32).toString("base64url");
  const expectedAuth = digest(`Bearer ${token}`);
  const server = createServer();
  server.listen(port, host);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  // Named after the port, so a test can find the bridge's connection in CLIENT LIST.
  const name = `upstash-bridge-${address.port}`;

  // One connection, opened now (so a wrong REDIS_URL fails the start) and again after it dropped.
  let connection = RedisConnection.open(redisUrl, { name });
  try {
    await connection;
  } catch (error) {
    server.close();
    throw error;
  }
  const redis = async (): Promise<RedisConnection> => {
    const seen = connection;
    const current = await seen.catch(() => undefined);
    if (current && !current.closed) return current;
    // Only the first request to find it gone reconnects; the others wait for the same attempt.
    if (connection === seen) connection = RedisConnection.open(redisUrl, { name });
    return connection;
  };

  let requests = 0;
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    requests++;
    handle(request).then(
      ({ status, body }) => reply(response, status, body),
      (error: Error) => {
        if (error instanceof BadRequest) return reply(response, error.status, { error: error.message });
        reply(response, 503, { error: `Redis unavailable: ${error.message}` });
      },
    );
  });

  async function handle(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    if (!authorized(request.headers.authorization)) return { status: 401, body: { error: "Unauthorized" } };
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/" && path !== "/pipeline" && path !== "/multi-exec") throw new BadRequest(404, `ERR unknown endpoint ${path}`);
    if (request.method !== "POST") throw new BadRequest(405, "ERR use POST");
    const base64 = String(request.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const body = await readJson(request, maxBodyBytes);
    const connection = await redis();

    if (path === "/") {
      const [result] = await connection.send([toCommand(body)]);
      if (result instanceof ErrorReply) return { status: 400, body: { error: result.message } };
      return { status: 200, body: { result: encodeResult(result!, base64, true) } };
    }
    if (!Array.isArray(body) || body.length === 0) throw new BadRequest(400, "ERR expected a non-empty array of commands");
    const commands = body.map(toCommand);
    if (path === "/pipeline") {
      const results = await connection.send(commands);
      return { status: 200, body: results.map((result) => entry(result, base64)) };
    }
    const word = (text: string) => [Buffer.from(text)];
    const replies = await connection.send([word("MULTI"), ...commands, word("EXEC")]);
    const queueError = replies.slice(1, -1).find((queued) => queued instanceof ErrorReply) as ErrorReply | undefined;
    if (queueError) return { status: 400, body: { error: queueError.message } };
    const exec = replies.at(-1);
    if (exec instanceof ErrorReply) return { status: 400, body: { error: exec.message } };
    if (!Array.isArray(exec)) return { status: 400, body: { error: "ERR the transaction was aborted" } };
    return { status: 200, body: exec.map((result) => entry(result, base64)) };
  }

  function authorized(header: string | undefined): boolean {
    return header !== undefined && timingSafeEqual(digest(header), expectedAuth);
  }

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`,
    token,
    port: address.port,
    requests: () => requests,
    async stop() {
      server.closeAllConnections();
      server.close();
      (await connection.catch(() => undefined))?.close();
    },
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}

async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BadRequest(413, `ERR request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BadRequest(400, "ERR the body is not valid JSON");
  }
}

/** A command from JSON: a non-empty array of strings and finite numbers, not one the bridge refuses. */
function toCommand(value: unknown): Buffer[] {
  if (!Array.isArray(value) || value.length === 0) throw new BadRequest(400, "ERR a command is a non-empty JSON array, e.g. [\"GET\",\"key\"]");
  const args = value.map((arg) => {
    if (typeof arg === "string") return Buffer.from(arg, "utf8");
    if (typeof arg === "number" && Number.isFinite(arg)) return Buffer.from(String(arg));
    throw new BadRequest(400, `ERR command arguments must be strings or numbers, got ${JSON.stringify(arg)?.slice(0, 40)}`);
  });
  const name = args[0]!.toString("utf8").toUpperCase();
  if (REFUSED.has(name) || ((name === "XREAD" || name === "XREADGROUP") && value.some((arg) => String(arg).toUpperCase() === "BLOCK"))) {
    throw new BadRequest(400, `ERR ${name} is not supported by the local Upstash bridge`);
  }
  return args;
}

function entry(result: Reply, base64: boolean): { result: unknown } | { error: string } {
  return result instanceof ErrorReply ? { error: result.message } : { result: encodeResult(result, base64, true) };
}

/** A reply as JSON in Upstash's encoding (see the header). */
export function encodeResult(result: Reply, base64: boolean, topLevel: boolean): unknown {
  if (result === null || typeof result === "number") return result;
  if (Array.isArray(result)) return result.map((item) => encodeResult(item, base64, false));
  if (result instanceof SimpleString) {
    if (!base64 || (topLevel && result.value === "OK")) return result.value;
    return Buffer.from(result.value, "utf8").toString("base64");
  }
  // An error nested in an array (a Lua script's table, say) becomes its message.
  const bytes = result instanceof ErrorReply ? Buffer.from(result.message) : result;
  return base64 ? bytes.toString("base64") : bytes.toString("utf8");
}
