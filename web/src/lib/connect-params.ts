/**
 * Query parameters sent with every WebSocket (re)connect to a room. This is the slot for authentication:
 * once the worker issues room tokens, fetch a fresh one here (e.g. `{ token }` from `POST /api/...`), so a
 * reconnect after an hour never presents an expired token.
 *
 * `Connection` (connection.svelte.ts) calls it before every connection attempt, reconnects included; if it
 * throws, that attempt is skipped and retried with the usual backoff, so a worker outage looks like any
 * other outage. The values travel in the WebSocket URL's query string (browsers cannot set headers on a
 * WebSocket), next to y-partykit's own `_pk` connection id.
 */
export async function connectParams(): Promise<Record<string, string>> {
  return {};
}
