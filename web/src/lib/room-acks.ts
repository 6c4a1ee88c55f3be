import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/**
 * What the room has acknowledged, read from its own answers (see `sync-tracker.svelte.ts` for the design).
 *
 * A Yjs state vector maps each client id to the number of items of that client a document holds. The room's
 * state vector "covers" ours when, for every client, it holds at least as many items as we do: then every
 * insertion we made is in the room. These helpers keep a lower bound of the room's state vector from what
 * it sends: its sync step 1 (its whole state vector) and the updates it sends (each says up to where it
 * holds the clients it touches), and build the probe that asks for it.
 */
export type StateVector = Map<number, number>;

const MESSAGE_SYNC = 0;
const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

/** A sync message from the room, or undefined for anything else (awareness, unknown). */
export type RoomSyncMessage = { kind: "step1"; stateVector: StateVector } | { kind: "step2" | "update"; update: Uint8Array };

export function readRoomSyncMessage(frame: Uint8Array): RoomSyncMessage | undefined {
  try {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return undefined;
    const type = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (type === SYNC_STEP_1) return { kind: "step1", stateVector: Y.decodeStateVector(payload) };
    if (type === SYNC_STEP_2) return { kind: "step2", update: payload };
    if (type === SYNC_UPDATE) return { kind: "update", update: payload };
  } catch {
    // Not ours to judge: the provider reports malformed frames itself.
  }
  return undefined;
}

/** Raises `into` to at least `from`, client by client. */
export function raise(into: StateVector, from: StateVector): void {
  for (const [client, clock] of from) if ((into.get(client) ?? 0) < clock) into.set(client, clock);
}

/**
 * Where an update ends, per client: the room holds at least this much of each client it sent. Reads the
 * struct headers only (`parseUpdateMeta`), never builds the content, so a large answer stays cheap.
 */
export function updateEnds(update: Uint8Array): StateVector {
  return Y.parseUpdateMeta(update).to;
}

/** True when `room` holds every item `local` holds. */
export function covers(room: StateVector, local: StateVector): boolean {
  for (const [client, clock] of local) if ((room.get(client) ?? 0) < clock) return false;
  return true;
}

/**
 * A sync step 1 that asks the room for what it has beyond what we know it has, for the clients we hold:
 * `min(ours, known room)` per client. The answer (a step 2) therefore carries the room's copy of our
 * not-yet-acknowledged items, and little else, so its ends say how far the room got.
 */
export function probeFrame(local: StateVector, room: StateVector): Uint8Array {
  const asked = new Map<number, number>();
  for (const [client, clock] of local) asked.set(client, Math.min(clock, room.get(client) ?? 0));
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, SYNC_STEP_1);
  const vector = encoding.createEncoder();
  encoding.writeVarUint(vector, asked.size);
  for (const [client, clock] of asked) {
    encoding.writeVarUint(vector, client);
    encoding.writeVarUint(vector, clock);
  }
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(vector));
  return encoding.toUint8Array(encoder);
}
