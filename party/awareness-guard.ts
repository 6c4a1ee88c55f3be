import { CloseCode, type RoomTokenClaims } from "@collab/protocol";
import * as encoding from "lib0/encoding";
import type { AwarenessEntry } from "./frame-guard.ts";
import { MessageType } from "./frame-guard.ts";

/** Largest awareness state (its JSON) one client may publish: a cursor, a selection and a name fit easily. */
export const MAX_AWARENESS_STATE_BYTES = 4 * 1024;

export type AwarenessVerdict =
  | { ok: true; /** What to hand to y-partykit; undefined when nothing in the update was the sender's own. */ frame: Uint8Array | undefined }
  | { ok: false; code: CloseCode; reason: string };

/**
 * Awareness is what other people see of you: your name, colour and cursor. A connection only speaks for
 * the Yjs client ids it introduced; the `user` it shows is the one its room token names (id, name and
 * colour are rewritten from the verified claims, so nobody can pose as someone else).
 *
 * Providers echo every awareness change they receive back to the server (y-websocket does), so entries for
 * client ids another connection owns are normal traffic, not an attack: they are dropped, never applied.
 * A reconnect can beat the old socket's close: the same user on a new socket takes its client id over.
 */
export class AwarenessGuard {
  /** Which connection (and user) speaks for each Yjs client id. */
  #owners = new Map<number, { socketId: number; userId: string }>();

  /** Checks one awareness update from `socketId` and returns the sender's own entries, rewritten. */
  accept(socketId: number, claims: RoomTokenClaims, entries: AwarenessEntry[]): AwarenessVerdict {
    const own: AwarenessEntry[] = [];
    for (const entry of entries) {
      const owner = this.#owners.get(entry.clientId);
      if (owner && owner.socketId !== socketId && owner.userId !== claims.sub) continue;
      if (!owner && entry.state === null) continue;
      if (entry.bytes > MAX_AWARENESS_STATE_BYTES) {
        return { ok: false, code: CloseCode.MessageTooLarge, reason: `awareness state of ${entry.bytes} bytes exceeds ${MAX_AWARENESS_STATE_BYTES}` };
      }
      own.push(entry);
    }
    for (const entry of own) {
      if (entry.state === null) this.#owners.delete(entry.clientId);
      else this.#owners.set(entry.clientId, { socketId, userId: claims.sub });
    }
    return { ok: true, frame: own.length > 0 ? encodeAwarenessFrame(own.map((entry) => withVerifiedUser(entry, claims))) : undefined };
  }

  /** The connection is gone: its client ids are free again (y-partykit removes their states). */
  release(socketId: number): void {
    for (const [clientId, owner] of this.#owners) if (owner.socketId === socketId) this.#owners.delete(clientId);
  }
}

function withVerifiedUser(entry: AwarenessEntry, claims: RoomTokenClaims): AwarenessEntry {
  if (entry.state === null || typeof entry.state !== "object" || Array.isArray(entry.state)) return entry;
  const user = { id: claims.sub, name: claims.name, color: claims.color, colorLight: `${claims.color}33` };
  return { ...entry, state: { ...(entry.state as Record<string, unknown>), user } };
}

function encodeAwarenessFrame(entries: AwarenessEntry[]): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(update, entry.clientId);
    encoding.writeVarUint(update, entry.clock);
    encoding.writeVarString(update, JSON.stringify(entry.state));
  }
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, MessageType.awareness);
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
  return encoding.toUint8Array(frame);
}
