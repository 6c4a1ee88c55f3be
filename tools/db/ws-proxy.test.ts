import { STARTUP_CODE, typed, untyped } from "./postgres-messages.ts";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { eventually } from "./test-fixtures.ts";
import { startWsProxy, type WsProxy } from "./ws-proxy.ts";

// The proxy against plain TCP servers, speaking raw Postgres framing, so that each behaviour can be seen
// byte by byte. The database suites (embedded.test.ts, external.test.ts) cover it with real Postgres.

/** A TCP server that records what each connection received and, in echo mode, sends it back. */
async function startTarget(mode: "echo" | "record") {
  const connections: { received: Buffer[]; ended: Promise<void>; socket: Socket }[] = [];
  const server: Server = createServer((socket) => {
    const received: Buffer[] = [];
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk) => {
      received.push(chunk);
      if (mode === "echo") socket.write(chunk);
    });
    socket.on("error", () => {});
    connections.push({ received, ended, socket });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    connections,
    stop: () => new Promise<void>((resolve) => {
      for (const { socket } of connections) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Postgres framing: the untyped StartupMessage, then typed messages. */
const startup = untyped(STARTUP_CODE, Buffer.from("user\0postgres\0database\0test\0\0"));
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

async function openClient(proxy: WsProxy, address: string): Promise<WebSocket> {
  const client = new WebSocket(`ws://${proxy.address}/v2?address=${address}`);
  await new Promise((resolve, reject) => {
    client.once("open", resolve);
    client.once("error", reject);
  });
  return client;
}

function closed(client: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => client.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** The HTTP status an upgrade request gets (101 when accepted). */
function upgradeStatus(proxy: WsProxy, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${proxy.address}${path}`, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": randomBytes(16).toString("base64"),
        ...headers,
      },
    });
    req.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    req.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("startWsProxy", () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let proxy: WsProxy;
  const errors: string[] = [];
  beforeAll(async () => {
    target = await startTarget("echo");
    proxy = await startWsProxy({ target: { host: "127.0.0.1", port: target.port }, onError: (e, c) => errors.push(`${c}: ${e.message}`) });
  });
  afterAll(async () => {
    await proxy.stop();
    await target.stop();
  });
  afterEach(async () => {
    expect(await eventually(() => proxy.openConnections(), 0)).toBe(0);
  });

  test("listens on 127.0.0.1 and reports host:port", () => {
    expect(proxy.address).toBe(`127.0.0.1:${proxy.port}`);
  });

  describe("refuses, during the upgrade", () => {
    test.each([
      ["another port", (port: number) => `/v2?address=127.0.0.1:${port + 1}`, 403],
      ["another host", (port: number) => `/v2?address=10.1.2.3:${port}`, 403],
      ["a name that does not resolve", (port: number) => `/v2?address=no-such-host.invalid:${port}`, 403],
      ["a missing address", () => `/v2`, 403],
      ["another path", (port: number) => `/v1?address=127.0.0.1:${port}`, 404],
    ])("%s", async (_label, path, status) => {
      const before = target.connections.length;
      expect(await upgradeStatus(proxy, path(target.port))).toBe(status);
      expect(target.connections.length).toBe(before);
    });

    test("a malformed handshake, with ws's 400, closing the database connection it opened", async () => {
      const connectionsBefore = target.connections.length;
      expect(await upgradeStatus(proxy, `/v2?address=127.0.0.1:${target.port}`, { "sec-websocket-version": "99" })).toBe(400);
      // The proxy connects before the handshake completes; afterEach checks that connection is gone.
      expect(await eventually(() => target.connections.length, connectionsBefore + 1)).toBe(connectionsBefore + 1);
    });

    test("a browser (any Origin header)", async () => {
      expect(await upgradeStatus(proxy, `/v2?address=127.0.0.1:${target.port}`, { origin: "http://evil.example" })).toBe(403);
    });

    test("a plain HTTP request, with 426", async () => {
      const status = await new Promise<number>((resolve) =>
        request(`http://${proxy.address}/v2`, (response) => resolve(response.statusCode ?? 0)).end(),
      );
      expect(status).toBe(426);
    });
  });

  test("accepts a name that resolves to the target", async () => {
    expect(await upgradeStatus(proxy, `/v2?address=localhost:${target.port}`)).toBe(101);
  });

  test("pipes bytes both ways unchanged, 4 MB included", async () => {
    const client = await openClient(proxy, `127.0.0.1:${target.port}`);
    const sent = [startup, ...Array.from({ length: 64 }, (_, i) => typed("d", randomBytes(i * 1024))), typed("d", randomBytes(4 << 20))];
    const expected = Buffer.concat(sent);
    const received: Buffer[] = [];
    const all = new Promise<void>((resolve) =>
      client.on("message", (data: Buffer) => {
        received.push(data);
        if (Buffer.concat(received).length >= expected.length) resolve();
      }),
    );
    for (const message of sent) client.send(message);
    await all;
    expect(Buffer.concat(received).equals(expected)).toBe(true);
    client.close();
  });

  test.each([
    ["in one frame", (messages: Buffer) => [messages]],
    ["split inside the Terminate", (messages: Buffer) => [messages.subarray(0, -3), messages.subarray(-3)]],
    ["one byte per frame", (messages: Buffer) => [...messages].map((byte) => Buffer.of(byte))],
  ])("after a Terminate %s, ends both sides", async (_label, frames) => {
    const recorder = await startTarget("record");
    const terminating = await startWsProxy({ target: { host: "127.0.0.1", port: recorder.port } });
    try {
      const client = await openClient(terminating, `127.0.0.1:${recorder.port}`);
      const clientClosed = closed(client);
      const query = typed("Q", Buffer.from("select 1\0"));
      // Bytes after the Terminate (a client bug) must not reach the server.
      const stream = Buffer.concat([startup, query, TERMINATE, typed("Q", Buffer.from("select 2\0"))]);
      for (const frame of frames(stream.subarray(0, -14))) client.send(frame);
      client.send(stream.subarray(-14));
      expect(await clientClosed).toEqual({ code: 1000, reason: "terminated" });
      await recorder.connections[0]!.ended;
      expect(Buffer.concat(recorder.connections[0]!.received).equals(Buffer.concat([startup, query, TERMINATE]))).toBe(true);
      expect(await eventually(() => terminating.openConnections(), 0)).toBe(0);
    } finally {
      await terminating.stop();
      await recorder.stop();
    }
  });

  test("closing the WebSocket closes the database connection", async () => {
    const client = await openClient(proxy, `127.0.0.1:${target.port}`);
    client.send(startup);
    await eventually(() => target.connections.at(-1)?.received.length, 1);
    const connection = target.connections.at(-1)!;
    client.close();
    await connection.ended;
  });

  test("the database closing its connection closes the WebSocket", async () => {
    const client = await openClient(proxy, `127.0.0.1:${target.port}`);
    const clientClosed = closed(client);
    await eventually(() => target.connections.length > 0, true);
    target.connections.at(-1)!.socket.end();
    expect((await clientClosed).code).toBe(1000);
  });

  test.each([
    ["a text frame", (client: WebSocket) => client.send("hello"), 1003],
    ["bytes that are not Postgres messages", (client: WebSocket) => client.send(Buffer.from([0, 0, 0, 2, 0, 3, 0, 0])), 1002],
  ])("closes on %s", async (_label, send, code) => {
    const client = await openClient(proxy, `127.0.0.1:${target.port}`);
    const clientClosed = closed(client);
    send(client);
    expect((await clientClosed).code).toBe(code);
  });

  test("answers 502 when the target is down", async () => {
    const gone = await startTarget("record");
    await gone.stop();
    const orphan = await startWsProxy({ target: { host: "127.0.0.1", port: gone.port }, onError: () => {} });
    try {
      expect(await upgradeStatus(orphan, `/v2?address=127.0.0.1:${gone.port}`)).toBe(502);
    } finally {
      await orphan.stop();
    }
  });

  test("stop() cuts open connections", async () => {
    const own = await startWsProxy({ target: { host: "127.0.0.1", port: target.port } });
    const client = await openClient(own, `127.0.0.1:${target.port}`);
    const clientClosed = closed(client);
    await own.stop();
    await clientClosed;
    expect(own.openConnections()).toBe(0);
  });

  test("reported no unexpected errors", () => {
    // The 1002 case reports its framing error on purpose.
    expect(errors.filter((error) => !error.startsWith("client stream"))).toEqual([]);
  });
});
