import type WebSocket from "ws";
import { signUp } from "./accounts.ts";
import { connectClient, waitFor, type TestClient } from "./clients.ts";

/**
 * A scripted stretch of ordinary use, all through the web origin (Vite's proxy), as browsers do it: two
 * people sign in, one creates a document and types, the other joins as a viewer, follows the document list's
 * live presence, is removed; a second document is opened and deleted; tabs are closed abruptly. None of it is
 * an error, so none of it should make the terminal of `npm run dev` shout.
 */
export async function normalUse(webUrl: string): Promise<void> {
  const owner = await signUp(webUrl, "calm_owner");
  const viewer = await signUp(webUrl, "calm_viewer");
  const docId = await owner.createDocument({ title: "calm.ts" });
  const writer = connectClient(webUrl, docId, { token: () => owner.roomToken(docId), name: "owner" });
  await writer.synced;
  for (const ch of "const calm = true;\n") {
    writer.text.insert(writer.text.length, ch);
    await new Promise((r) => setTimeout(r, 20));
  }

  expectOk(await owner.request(`/api/documents/${docId}/members`, { body: { user: viewer.username, role: "viewer" } }), 201);
  const reader = connectClient(webUrl, docId, { token: () => viewer.roomToken(docId), name: "viewer" });
  await reader.synced;
  await waitFor(() => reader.text.toString() === writer.text.toString(), "the viewer sees the text");
  // The document list: the presence snapshot and a short look at its live stream.
  expectOk(await viewer.request("/api/presence"), 200);
  const stream = await viewer.request("/api/presence/stream");
  await stream.body?.cancel();

  // Removing the viewer closes their socket.
  const closed = new Promise<void>((resolve) => reader.provider.on("connection-close", () => resolve()));
  expectOk(await owner.request(`/api/documents/${docId}/members/${viewer.id}`, { method: "DELETE" }), 204);
  await closed;
  reader.destroy();

  // A second document, open in a tab, deleted by its owner.
  const doomed = await owner.createDocument({ title: "doomed.md" });
  const doomedClient = connectClient(webUrl, doomed, { token: () => owner.roomToken(doomed) });
  await doomedClient.synced;
  const doomedClosed = new Promise<void>((resolve) => doomedClient.provider.on("connection-close", () => resolve()));
  expectOk(await owner.request(`/api/documents/${doomed}`, { method: "DELETE" }), 204);
  await doomedClosed;
  doomedClient.destroy();

  // Tabs closed: the browser drops the TCP connection without a WebSocket close.
  const again = connectClient(webUrl, docId, { token: () => owner.roomToken(docId) });
  await again.synced;
  for (const client of [writer, again]) closeTabAbruptly(client);
  await new Promise((r) => setTimeout(r, 1_500));
}

function closeTabAbruptly(client: TestClient): void {
  client.stop();
  const socket = (client.provider.ws as unknown as WebSocket & { _socket?: import("node:net").Socket })?._socket;
  // A reset, as a killed tab or a lost network gives, rather than a polite FIN.
  socket?.resetAndDestroy();
  client.destroy();
}

function expectOk(response: Response, status: number): void {
  if (response.status !== status) throw new Error(`${response.url}: expected ${status}, got ${response.status}`);
}
