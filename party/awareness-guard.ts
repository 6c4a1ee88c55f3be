import { CloseCode, isDrawableCursor, isFollowTarget, lightColor, type RoomTokenClaims } from "@collab/protocol";
import type { ClientIds } from "./client-ids.ts";
import { writeAwarenessFrame, type AwarenessEntry } from "./messages.ts";

/** Largest awareness state (its JSON) one client may publish: a cursor, a selection and a name fit easily. */
export const MAX_AWARENESS_STATE_BYTES = 4 * 1024;

export type AwarenessVerdict =
  | {
      ok: true;
      /** What to hand to y-partykit; undefined when nothing in the update was the sender's own. */
      frame: Uint8Array | undefined;
      /** The sender's own entries (before rewriting), for the drain probe and the byte budget. */
      own: AwarenessEntry[];
    }
  | { ok: false; code: CloseCode; reason: string };

/**
 * Awareness is what other people see of you: your name, colour and cursor. A connection only speaks for
 * the Yjs client ids it may use (`client-ids.ts`: one table for awareness and document updates); the
 * `user` it shows is the one its room token names (id, name and colour are rewritten from the verified
 * claims, so nobody can pose as someone else).
 *
 * Providers echo the awareness changes they receive back to the server (y-websocket's code does), so an
 * entry for another user's client id at a clock the room already accepted is normal traffic: it is
 * dropped, never applied, never punished. An entry for another user's id with a NEWER clock is a claim
 * (nobody echoes a state the room never sent) and closes the sender with 4423. A removal (`null`) of
 * someone else's id is always dropped: honest providers echo removals too.
 */
export class AwarenessGuard {
  readonly #ids: ClientIds;

  constructor(ids: ClientIds) {
    this.#ids = ids;
  }

  /** Checks one awareness update from `conn` and returns the sender's own entries, rewritten. */
  accept(conn: { key: number; userId: string }, claims: RoomTokenClaims, entries: AwarenessEntry[]): AwarenessVerdict {
    const own: AwarenessEntry[] = [];
    for (const entry of entries) {
      const owner = this.#ids.ownerOf(entry.clientId);
      const held = this.#ids.idsOf(conn.key).has(entry.clientId);
      if (entry.state === null) {
        // Removing your own state is fine; removals of others' are echoes.
        if (!held) continue;
      } else if (owner && owner.userId !== conn.userId) {
        if (entry.clock <= owner.clock) continue;
        return { ok: false, code: CloseCode.ClientIdTaken, reason: `awareness client id ${entry.clientId} belongs to another user` };
      } else if (owner?.live && !held && entry.clock <= owner.clock) {
        // The same user's other tab's state, echoed back: not a reconnect (that sends its own id anew).
        continue;
      }
      if (entry.bytes > MAX_AWARENESS_STATE_BYTES) {
        return { ok: false, code: CloseCode.MessageTooLarge, reason: `awareness state of ${entry.bytes} bytes exceeds ${MAX_AWARENESS_STATE_BYTES}` };
      }
      if (isRecord(entry.state) && !isDrawableCursor(entry.state.cursor)) {
        return { ok: false, code: CloseCode.MalformedMessage, reason: `awareness cursor of client ${entry.clientId} is not { anchor, head } relative positions` };
      }
      if (isRecord(entry.state) && !isFollowTarget(entry.state.following)) {
        return { ok: false, code: CloseCode.MalformedMessage, reason: `awareness following of client ${entry.clientId} is not a client id` };
      }
      const claim = this.#ids.claim(entry.clientId, conn);
      if (!claim.ok && claim.reason === "taken") {
        return { ok: false, code: CloseCode.ClientIdTaken, reason: `awareness client id ${entry.clientId} belongs to another user` };
      }
      if (!claim.ok) return { ok: false, code: CloseCode.RateLimited, reason: `over ${claim.limit} client ids on one connection` };
      own.push(entry);
    }
    for (const entry of own) this.#ids.acceptedClock(entry.clientId, entry.clock);
    return { ok: true, own, frame: own.length > 0 ? writeAwarenessFrame(own.map((entry) => withVerifiedUser(entry, claims))) : undefined };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withVerifiedUser(entry: AwarenessEntry, claims: RoomTokenClaims): AwarenessEntry {
  if (!isRecord(entry.state)) return entry;
  const user = { id: claims.sub, name: claims.name, color: claims.color, colorLight: lightColor(claims.color) };
  return { ...entry, state: { ...entry.state, user } };
}
