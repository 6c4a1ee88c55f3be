import { neonConfig } from "@neondatabase/serverless";
import WebSocket from "ws";

/**
 * Gives the Neon driver `ws` as its WebSocket in Node. `@collab/db` leaves `webSocketConstructor` alone
 * because Workers and PartyKit rooms have a global WebSocket that serves; Node processes (tools, tests)
 * call this once before opening a database. `neonConfig` is module-global, so this also covers every
 * `openDatabase` call from `@collab/db` in the same process.
 *
 * @example
 * useNodeWebSocket();
 * const { db, end } = openDatabase({ databaseUrl, wsProxy });
 */
export function useNodeWebSocket(): void {
  neonConfig.webSocketConstructor = WebSocket;
}
