import { ROOM_CLIENT_ID } from "@collab/protocol";
import type * as Y from "yjs";

/**
 * Who the room's client id is reserved for in its client-id table (client-ids.ts). Not a user id: those are
 * 21 URL-safe characters, so no token's `sub` can be this and claim the id.
 */
export const ROOM_WRITER = "(room)";

/**
 * Runs `edit` as one transaction under {@link ROOM_CLIENT_ID}, the id readers trust as the room's (a restore
 * notice under any other id is an editor's forgery). Set before every write rather than once at load: Yjs
 * gives a doc a fresh random id when a remote update advances its own, which a Postgres snapshot merged
 * into the room (it may hold the room's earlier writes) can do.
 */
export function transactAsRoom(doc: Y.Doc, origin: string, edit: () => void): void {
  doc.clientID = ROOM_CLIENT_ID;
  doc.transact(edit, origin);
}
