import { CloseCode } from "@collab/protocol";
import * as Y from "yjs";
import type { ClientIdRecords } from "./client-id-records.ts";
import type { ClientIds } from "./client-ids.ts";

/**
 * Binds the client ids of an update's NEW structs to the sending connection's user (structs the room already
 * holds, as a sync step 2 may repeat, bind nothing). Refuses, binding nothing, an id that belongs to another
 * user, or more ids than one connection may use. Each write is recorded (who, and from which clock on when)
 * in room storage in this same turn. Returns the close code and reason for a refused update.
 *
 * @param structs each client id the update carries, with the end of its highest clock range (frame-guard.ts)
 */
export function claimWriterIds(
  doc: Y.Doc | undefined,
  structs: Map<number, number>,
  conn: { key: number; userId: string },
  ids: { clientIds: ClientIds; records: ClientIdRecords; maxPerConnection: number },
): { code: CloseCode; reason: string } | undefined {
  // Two passes over the (usually one-entry) map, no arrays: this runs for every update a writer sends.
  for (const [client, end] of structs) {
    if (!isNew(doc, client, end)) continue;
    const owner = ids.clientIds.ownerOf(client);
    if (owner && owner.userId !== conn.userId) return { code: CloseCode.ClientIdTaken, reason: `client id ${client} belongs to another user` };
  }
  for (const [client, end] of structs) {
    if (!isNew(doc, client, end)) continue;
    const claim = ids.clientIds.claim(client, conn, true);
    // Over the per-connection cap: one connection writing under many ids is not a provider.
    if (!claim.ok) return { code: CloseCode.RateLimited, reason: `over ${ids.maxPerConnection} client ids on one connection` };
    // New structs start at the room's current state for that id.
    ids.records.wrote(client, doc ? Y.getState(doc.store, client) : 0, conn.userId);
  }
  return undefined;
}

/** Whether an update's structs for `client`, ending at clock `end`, go past what the room holds. */
function isNew(doc: Y.Doc | undefined, client: number, end: number): boolean {
  return !doc || end > Y.getState(doc.store, client);
}
