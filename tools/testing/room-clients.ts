import { afterEach } from "vitest";
import type { TestUser } from "./accounts.ts";
import { connectClient, type TestClient } from "./clients.ts";

/**
 * For a test file: joins real users to rooms (a fresh room token for every connect, as the web client does),
 * and destroys every client it made after each test.
 *
 * @example
 * const join = roomClients(partyUrl);
 * const client = join(user, docId); await client.synced;
 */
export function roomClients(partyUrl: string): (user: TestUser, docId: string) => TestClient {
  const clients: TestClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.destroy()));
  return (user, docId) => {
    const client = connectClient(partyUrl, docId, { name: user.username, token: () => user.roomToken(docId) });
    clients.push(client);
    return client;
  };
}

/** Resolves with the code of the client's next close, and stops it from reconnecting. */
export function nextClose(client: TestClient): Promise<number> {
  return new Promise((resolve) => {
    const onClose = (event: { code: number }) => {
      client.provider.off("connection-close", onClose);
      client.stop();
      resolve(event.code);
    };
    client.provider.on("connection-close", onClose);
  });
}
