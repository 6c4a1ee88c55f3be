import type { BrowserContext, WebSocketRoute } from "playwright-core";

/**
 * Cuts and restores one browser context's room sockets (`/parties/...`), as a network that drops would:
 * `setOffline` does not close an open loopback WebSocket, and `routeWebSocket` does. While cut, new sockets
 * are refused at once; `silence()` instead keeps them open and drops what the page sends (a half-open
 * connection: the socket looks fine and nothing reaches the room).
 */
export class RoomCutter {
  #mode: "through" | "cut" | "silent" = "through";
  readonly #open = new Set<{ page: WebSocketRoute; close(): Promise<void> }>();

  static async install(context: BrowserContext): Promise<RoomCutter> {
    const cutter = new RoomCutter();
    await context.routeWebSocket(/\/parties\//, (ws) => cutter.#route(ws));
    return cutter;
  }

  /** Closes every open room socket and refuses new ones until `restore()`. */
  async cut(): Promise<void> {
    this.#mode = "cut";
    await Promise.all([...this.#open].map((socket) => socket.close()));
    this.#open.clear();
  }

  /** From now on, frames from the page are dropped; the sockets stay open. */
  silence(): void {
    this.#mode = "silent";
  }

  restore(): void {
    this.#mode = "through";
  }

  #route(ws: WebSocketRoute): void {
    if (this.#mode === "cut") {
      void ws.close({ code: 4000, reason: "cut by the test" }).catch(() => {});
      return;
    }
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (this.#mode === "through") server.send(message);
    });
    server.onMessage((message) => {
      if (this.#mode === "through") ws.send(message);
    });
    const entry = {
      page: ws,
      close: async () => {
        await server.close().catch(() => {});
        await ws.close({ code: 4000, reason: "cut by the test" }).catch(() => {});
      },
    };
    this.#open.add(entry);
    ws.onClose(() => this.#open.delete(entry));
  }
}
