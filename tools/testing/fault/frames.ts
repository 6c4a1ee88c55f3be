import { DocRoot } from "@collab/protocol";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import type { Random } from "../../random.ts";
import { MessageType, SyncType, writeAwarenessFrame, writeSyncFrame } from "../../../party/messages.ts";

/**
 * Frames no well-behaved provider sends, built from the same y-protocols framing the room speaks. They are
 * what the fault harness (party/fault-harness.test.ts) and the benchmark's attack scenario
 * (bench/scenarios/attacks.ts) throw at a room. Each builder returns one complete binary frame.
 */

/** A sync `update` message. */
export function updateFrame(update: Uint8Array): Uint8Array {
  return writeSyncFrame(SyncType.update, update);
}

/** An awareness message carrying one entry per client id, each with `state` (JSON). */
export const awarenessFrame = writeAwarenessFrame;

/** An awareness message with one entry. */
export function awarenessEntryFrame(clientId: number, clock: number, state: unknown): Uint8Array {
  return awarenessFrame([{ clientId, clock, state }]);
}

/**
 * Random bytes behind a valid message type whose length prefix runs past the end of the frame: malformed for
 * certain, whatever the random tail (at most 100 bytes).
 */
export function garbageFrame(random: Random, length = 64): Uint8Array {
  const bytes = new Uint8Array(Math.max(4, Math.min(length, 100)));
  for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(256);
  const type = random.int(2) === 0 ? MessageType.sync : MessageType.awareness;
  bytes[0] = type;
  if (type === MessageType.sync) {
    bytes[1] = random.int(3); // sync step 1, step 2 or update
    bytes[2] = 0x7f; // a 127-byte payload that is not there
  } else {
    bytes[1] = 0x7f;
  }
  return bytes;
}

/** An update with nothing in it (no structs, no deletions): valid, free to apply, and the cheapest flood. */
export function emptyUpdateFrame(): Uint8Array {
  return updateFrame(Y.encodeStateAsUpdate(new Y.Doc()));
}

/**
 * An update inserting `text` under `victimId`, at the clocks the victim will use next (its state in `seen`):
 * a room that takes it drops the victim's own next edits as duplicates.
 */
export function forgedUpdate(seen: Y.Doc, victimId: number, text: string): Uint8Array {
  const forger = new Y.Doc();
  Y.applyUpdate(forger, Y.encodeStateAsUpdate(seen));
  const before = Y.encodeStateVector(forger);
  forger.clientID = victimId;
  forger.getText(DocRoot.content).insert(0, text);
  const update = Y.encodeStateAsUpdate(forger, before);
  forger.destroy();
  return update;
}

/**
 * Updates whose clocks leave a gap: the first struct (clock 0) is never sent, so a Yjs document keeps every
 * later one as "pending" in memory, waiting for it. Each call of `next` returns `bytes` more of them.
 */
export function pendingUpdates(clientId: number): { next(bytes: number): Uint8Array } {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const text = doc.getText(DocRoot.content);
  text.insert(0, "a"); // clock 0: withheld
  let sent = Y.encodeStateVector(doc);
  return {
    next(bytes) {
      text.insert(text.length, "p".repeat(bytes));
      const update = Y.encodeStateAsUpdate(doc, sent);
      sent = Y.encodeStateVector(doc);
      return update;
    },
  };
}

/**
 * One update made of `count` separate one-unit structs of one client (Yjs "GC" structs, 2 bytes each): about
 * the most structs a frame can carry, so decoding it costs the most per byte.
 */
export function tinyStructsUpdate(clientId: number, count: number, firstClock = 0): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // one client
  encoding.writeVarUint(encoder, count);
  encoding.writeVarUint(encoder, clientId);
  encoding.writeVarUint(encoder, firstClock);
  for (let i = 0; i < count; i++) {
    encoding.writeUint8(encoder, 0); // info 0: a GC struct
    encoding.writeVarUint(encoder, 1); // of length 1
  }
  encoding.writeVarUint(encoder, 0); // an empty delete set
  return encoding.toUint8Array(encoder);
}

/** A random 32-bit Yjs client id (what Y.Doc picks too). */
export function randomClientId(random: Random): number {
  return random.int(2 ** 31) + 1;
}
