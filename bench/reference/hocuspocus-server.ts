import { Server } from "@hocuspocus/server";

/**
 * Hocuspocus with default options and no extensions: documents live in memory and are unloaded when their
 * last client leaves. Run by bench/servers.ts as `node hocuspocus-server.ts` with PORT set.
 */
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error(`PORT must be a port number, got "${process.env.PORT}"`);

const server = new Server({ port, address: "127.0.0.1", quiet: true });
await server.listen();
console.log(`hocuspocus listening on 127.0.0.1:${port}`);
