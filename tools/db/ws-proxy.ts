import { lookup } from "node:dns/promises";
import { createServer, type IncomingMessage } from "node:http";
import { connect, isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { PostgresFramingError, TerminateScanner } from "./terminate-scanner.ts";

/**
 * A WebSocket-to-TCP proxy speaking the protocol of Neon's wsproxy, which `@neondatabase/serverless` uses
 * when `neonConfig.wsProxy` is set: the client opens `ws://HOST:PORT/v2?address=DBHOST:DBPORT` and then
 * every binary frame carries raw Postgres protocol bytes, in both directions, with no framing of our own.
 *
 * What it deliberately does not do:
 * - connect anywhere but the configured target. `address` is only checked (it must name the target, or a
 *   host resolving to the target's address, and the target's port; else 403 during the upgrade); the TCP
 *   connection always goes to the configured target, so the parameter cannot steer it.
 * - serve browsers. Any upgrade carrying an `Origin` header is refused (403): a web page can open a
 *   WebSocket to 127.0.0.1 and would otherwise reach a trust-auth Postgres. Node's `ws` and workerd's
 *   WebSocket (checked under `wrangler dev`) send no Origin.
 * - TLS. The Neon driver is configured with `useSecureWebSocket = false` and Postgres SSL off.
 * - inspect queries. It only follows message boundaries of the client's stream to spot Terminate ('X'):
 *   PGlite's socket server does not close its connection on Terminate, so after forwarding one the proxy
 *   ends both sides itself; otherwise every ended pool would leak a connection slot.
 *
 * Close codes sent to the client: 1000 after Terminate or when the database closed the connection, 1002 on
 * bytes that are not Postgres messages, 1003 on text frames, 1011 when the database connection failed.
 */

export interface WsProxyOptions {
  /** Interface to listen on. Keep it on loopback: the database behind it may trust every connection. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The only server the proxy connects to. */
  target: { host: string; port: number };
  /** Unexpected socket errors land here with what the proxy was doing; defaults to console.error. */
  onError?: (error: Error, context: string) => void;
}

export interface WsProxy {
  /** `host:port` to put in `neonConfig.wsProxy` / `openDatabase({ wsProxy })`. */
  address: string;
  port: number;
  /** TCP connections to the target currently open: 0 once every client has gone. For tests and stats. */
  openConnections(): number;
  /** Stops listening and cuts every connection. */
  stop(): Promise<void>;
}

/** Past this many bytes queued towards a slow WebSocket client, stop reading from the database. */
const CLIENT_HIGH_WATER = 1 << 20;
/** A half-closed database socket that does not finish closing within this time is destroyed. */
const CLOSE_GRACE_MS = 2_000;
/** Errors that only mean the other side went away. */
const ROUTINE_ERRORS = new Set(["ECONNRESET", "EPIPE"]);

/**
 * Starts the proxy.
 *
 * @example
 * const proxy = await startWsProxy({ target: { host: "127.0.0.1", port: 5432 } });
 * const { db, end } = openDatabase({ databaseUrl: "postgres://postgres@127.0.0.1:5432/test", wsProxy: proxy.address });
 * // ...
 * await end();
 * await proxy.stop();
 */
export async function startWsProxy(options: WsProxyOptions): Promise<WsProxy> {
  const { host = "127.0.0.1", port = 0, target } = options;
  const onError = options.onError ?? ((error, context) => console.error(`ws-proxy: ${context}: ${error.message}`));
  const targetAddresses = await resolveAll(target.host);
  const databaseSockets = new Set<Socket>();
  // Per-message deflate would cost CPU on every query for bytes that never leave the machine.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  const server = createServer((_request, response) => {
    response.writeHead(426, { "content-type": "text/plain", connection: "close" }).end("WebSocket upgrade required\n");
  });

  let stopping = false;

  server.on("upgrade", (request: IncomingMessage, clientSocket: Duplex, head: Buffer) => {
    void accept(request, clientSocket, head);
  });

  async function accept(request: IncomingMessage, clientSocket: Duplex, head: Buffer): Promise<void> {
    // Until the handshake completes nothing else listens for errors on this socket; ws adds its own after.
    const onEarlyError = (error: Error) => reportError(error, "client socket before upgrade");
    clientSocket.on("error", onEarlyError);
    const refusal = await checkRequest(request, target, targetAddresses);
    if (refusal) return refuse(clientSocket, refusal.status, refusal.reason);

    // Connect first and upgrade second: a database that is down fails the handshake (502) instead of
    // opening a WebSocket that closes at once, and no client bytes can arrive before there is a socket.
    let database: Socket;
    try {
      database = await connectTcp(target);
    } catch (error) {
      reportError(error as Error, `connecting to ${target.host}:${target.port}`);
      return refuse(clientSocket, 502, `cannot reach the database at ${target.host}:${target.port}`);
    }
    if (clientSocket.destroyed || stopping) {
      database.destroy();
      clientSocket.destroy();
      return;
    }
    databaseSockets.add(database);
    database.on("close", () => databaseSockets.delete(database));
    // ws answers a malformed handshake (say, a bad Sec-WebSocket-Version) with 400 and never calls back.
    let upgraded = false;
    clientSocket.once("close", () => upgraded || database.destroy());
    wss.handleUpgrade(request, clientSocket, head, (client) => {
      upgraded = true;
      clientSocket.off("error", onEarlyError);
      pipe(client, database);
    });
  }

  function pipe(client: WebSocket, database: Socket): void {
    const scanner = new TerminateScanner();
    let closing = false;

    /** Ends both sides once: flushes what the database still has to receive, then closes the client. */
    function close(code: number, reason: string, graceful: boolean): void {
      if (closing) return;
      closing = true;
      if (graceful) {
        database.end();
        setTimeout(() => database.destroy(), CLOSE_GRACE_MS).unref();
      } else {
        database.destroy();
      }
      if (client.readyState === client.OPEN) client.close(code, reason);
    }

    client.on("message", (message: RawData, isBinary: boolean) => {
      if (closing) return;
      // With ws's default binaryType ("nodebuffer") every message arrives as one Buffer.
      const data = message as Buffer;
      if (!isBinary) return close(1003, "binary frames only", false);
      let terminateEnd: number;
      try {
        terminateEnd = scanner.push(data);
      } catch (error) {
        if (!(error instanceof PostgresFramingError)) throw error;
        reportError(error, "client stream");
        return close(1002, "not a Postgres message", false);
      }
      if (terminateEnd !== -1) {
        database.write(data.subarray(0, terminateEnd));
        return close(1000, "terminated", true);
      }
      // Backpressure: stop reading the client while the database socket's buffer is full.
      if (!database.write(data)) client.pause();
    });
    database.on("drain", () => client.resume());

    database.on("data", (chunk: Buffer) => {
      client.send(chunk, { binary: true }, () => {
        if (database.isPaused() && client.bufferedAmount < CLIENT_HIGH_WATER / 2) database.resume();
      });
      // Backpressure the other way: a client that reads slowly must not make us hold a whole result set.
      if (client.bufferedAmount > CLIENT_HIGH_WATER) database.pause();
    });

    client.on("close", () => close(1000, "", true));
    client.on("error", (error) => reportError(error, "client WebSocket"));
    database.on("error", (error) => {
      reportError(error, `database socket ${target.host}:${target.port}`);
      close(1011, "database connection failed", false);
    });
    database.on("close", () => close(1000, "database closed the connection", false));
  }

  function reportError(error: Error, context: string): void {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && ROUTINE_ERRORS.has(code)) return;
    onError(error, context);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => reportError(error, "proxy server"));
  const bound = server.address();
  if (bound === null || typeof bound === "string") throw new Error("ws-proxy: expected a TCP address");

  let stopped: Promise<void> | undefined;
  return {
    address: `${isIP(host) === 6 ? `[${host}]` : host}:${bound.port}`,
    port: bound.port,
    openConnections: () => databaseSockets.size,
    stop() {
      stopping = true;
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const client of wss.clients) client.terminate();
        for (const socket of databaseSockets) socket.destroy();
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

interface Refusal {
  status: number;
  reason: string;
}

async function checkRequest(
  request: IncomingMessage,
  target: { host: string; port: number },
  targetAddresses: ReadonlySet<string>,
): Promise<Refusal | undefined> {
  if (request.headers.origin !== undefined) return { status: 403, reason: "browsers may not connect to the database" };
  const url = new URL(request.url ?? "/", "http://proxy");
  if (url.pathname !== "/v2") return { status: 404, reason: "expected /v2?address=HOST:PORT" };
  const address = url.searchParams.get("address") ?? "";
  const colon = address.lastIndexOf(":");
  const requestedHost = address.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const requestedPort = Number(address.slice(colon + 1));
  if (colon <= 0 || requestedPort !== target.port || !(await namesTarget(requestedHost, target.host, targetAddresses))) {
    return { status: 403, reason: `this proxy only connects to ${target.host}:${target.port}` };
  }
  return undefined;
}

/** True when `host` is the target's own name, or resolves to one of the target's addresses. */
async function namesTarget(host: string, targetHost: string, targetAddresses: ReadonlySet<string>): Promise<boolean> {
  if (host.toLowerCase() === targetHost.toLowerCase()) return true;
  const addresses = await resolveAll(host);
  for (const address of addresses) if (targetAddresses.has(address)) return true;
  return false;
}

async function resolveAll(host: string): Promise<Set<string>> {
  if (isIP(host)) return new Set([host]);
  try {
    return new Set((await lookup(host, { all: true })).map((entry) => entry.address));
  } catch {
    return new Set();
  }
}

function connectTcp(target: { host: string; port: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      // Postgres messages are small and latency-bound: do not let Nagle hold them back.
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const statusText = { 403: "Forbidden", 404: "Not Found", 502: "Bad Gateway" }[status] ?? "Error";
  // As ws does for its own refusals: once the answer is written, close, whatever the client does.
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(reason) + 1}\r\n\r\n${reason}\n`,
  );
}
