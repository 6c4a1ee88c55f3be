import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

/**
 * The y-websocket messages the room reads and writes, in one place: the message-type constants and the
 * awareness codec, a write/read pair like y-protocols' (`encodeAwarenessUpdate` / `applyAwarenessUpdate`),
 * with the same bytes on the wire. The frame guard reads with it, the awareness guard and the room write
 * with it, and the test tooling (tools/testing/fault/frames.ts) builds its hostile frames with it.
 *
 * Frame: `varUint type`, then for `sync` a `varUint syncType` and a `varUint8Array` payload (a state vector
 * or a Yjs update), for `awareness` one `varUint8Array` awareness update:
 * `varUint count`, then per entry `varUint clientId, varUint clock, varString JSON state` (`null` removes).
 *
 * What it deliberately does not do: it does not apply anything, and it keeps no awareness state (clocks and
 * ownership are the awareness guard's, client-ids.ts); y-partykit still runs the protocol itself.
 */

/** Top-level message types of the y-websocket protocol that clients may send. */
export const MessageType = { sync: 0, awareness: 1 } as const;
/** Sync sub-messages (y-protocols/sync). */
export const SyncType = { step1: 0, step2: 1, update: 2 } as const;

/** One client's entry in an awareness update: `state` is the parsed JSON (`null` removes the client). */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: unknown;
  /** Length of the state's JSON text, for the size cap. */
  bytes: number;
}

/** What writing an entry needs (its size is measured when it is read). */
export type AwarenessEntryInput = Pick<AwarenessEntry, "clientId" | "clock" | "state">;

/** An awareness update (the payload of an awareness message) carrying `entries`. */
export function writeAwarenessUpdate(entries: readonly AwarenessEntryInput[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, JSON.stringify(state));
  }
  return encoding.toUint8Array(encoder);
}

/**
 * The entries of an awareness update, or undefined when its count alone is over `maxEntries` (refused
 * before any entry is parsed). Throws on malformed bytes, JSON included, and on trailing bytes.
 */
export function readAwarenessUpdate(update: Uint8Array, maxEntries = Number.POSITIVE_INFINITY): AwarenessEntry[] | undefined {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  if (count > maxEntries) return undefined;
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    entries.push({ clientId, clock, state: JSON.parse(json), bytes: json.length });
  }
  if (decoding.hasContent(decoder)) throw new Error("trailing bytes in awareness update");
  return entries;
}

/** A whole awareness message (the frame a socket carries) with `entries`. */
export function writeAwarenessFrame(entries: readonly AwarenessEntryInput[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.awareness);
  encoding.writeVarUint8Array(encoder, writeAwarenessUpdate(entries));
  return encoding.toUint8Array(encoder);
}

/** A whole sync message: `syncType` (step 1 carries a state vector, step 2 and update a Yjs update). */
export function writeSyncFrame(syncType: (typeof SyncType)[keyof typeof SyncType], payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  encoding.writeVarUint(encoder, syncType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}
