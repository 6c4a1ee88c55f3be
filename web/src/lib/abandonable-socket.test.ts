import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { AbandonableWebSocket } from "./abandonable-socket.ts";

/** Against a local server that never answers a close (a network that went away): nothing else is needed. */
let server: WebSocketServer | undefined;
afterEach(() => {
  for (const client of server?.clients ?? []) client.terminate();
  server?.close();
});

async function silentServer(): Promise<string> {
  server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(server, "listening");
  // A server that neither answers messages nor completes a closing handshake.
  server.on("connection", (socket) => socket.pause());
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("AbandonableWebSocket", () => {
  it("tells its listeners it closed at once, then never again, whatever the real socket does later", async () => {
    const socket = new AbandonableWebSocket(await silentServer());
    await once(socket as unknown as EventTarget, "open");
    const closes: { code: number; reason: string }[] = [];
    const messages: unknown[] = [];
    socket.addEventListener("close", (event) => closes.push({ code: (event as CloseEvent).code, reason: (event as CloseEvent).reason }));
    socket.addEventListener("message", (event) => messages.push(event));

    socket.abandon("the room is not answering");
    expect(closes).toEqual([{ code: 1006, reason: "the room is not answering" }]);
    expect(socket.abandoned).toBe(true);
    socket.abandon("again");
    // The real socket ends later (the server goes away): its close reaches nobody.
    for (const client of server!.clients) client.terminate();
    await new Promise((r) => setTimeout(r, 300));
    expect(closes).toHaveLength(1);
    expect(messages).toEqual([]);
  });

  it("behaves as a WebSocket until abandoned, removeEventListener included", async () => {
    const socket = new AbandonableWebSocket(await silentServer());
    const seen: string[] = [];
    const onOpen = () => seen.push("open");
    const removed = () => seen.push("removed");
    socket.addEventListener("open", onOpen);
    socket.addEventListener("open", removed);
    socket.removeEventListener("open", removed);
    await once(socket as unknown as EventTarget, "open");
    expect(seen).toEqual(["open"]);
    socket.abandon("done");
  });
});
