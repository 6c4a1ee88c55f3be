import { once } from "node:events";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { busyPorts, describeBusyPorts, isPortFree } from "./ports.ts";
import { freePort } from "./service.ts";

describe("busy ports", () => {
  it("names the process that holds a port, and how to stop it", async () => {
    const server = createServer().listen(0, "0.0.0.0");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    const free = await freePort();
    try {
      expect(await isPortFree(port)).toBe(false);
      const busy = await busyPorts({ web: port, worker: free });
      expect(busy.map((b) => b.name)).toEqual(["web"]);
      expect(busy[0]!.holders.map((h) => h.pid)).toContain(process.pid);
      const text = describeBusyPorts(busy, { web: "WEB_PORT" });
      expect(text).toContain(`${port}  held by pid ${process.pid}`);
      expect(text).toContain(`kill ${process.pid}`);
      expect(text).toContain("WEB_PORT");
    } finally {
      server.close();
    }
    expect(await isPortFree(port)).toBe(true);
  });
});
