import { createServer, request, type Server } from "node:http";
import { once } from "node:events";

/**
 * A plain HTTP forwarder that a test can shut: while closed it drops every request's connection, as an
 * unreachable host would. Tests put it between the worker and the party to make rooms unreachable for the
 * worker's commands while clients stay connected to the party directly.
 */
export interface HttpGate {
  url: string;
  open: boolean;
  stop(): Promise<void>;
}

export async function startHttpGate(target: string): Promise<HttpGate> {
  const { hostname, port } = new URL(target);
  const gate = { open: true } as HttpGate;
  const server: Server = createServer((incoming, outgoing) => {
    if (!gate.open) return void incoming.socket.destroy();
    const upstream = request({ host: hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    });
    upstream.on("error", () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("gate did not bind");
  gate.url = `http://127.0.0.1:${address.port}`;
  gate.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return gate;
}
