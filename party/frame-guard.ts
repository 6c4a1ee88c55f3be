import { CloseCode } from "@collab/protocol";
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { MessageType, SyncType, readAwarenessUpdate, type AwarenessEntry } from "./messages.ts";

/**
 * Checks an incoming frame before y-partykit sees it. y-partykit logs and ignores frames it cannot decode,
 * and Yjs may integrate the structs of a truncated update before failing on its delete set; so the room
 * decodes every frame completely first and closes a sender whose frame is not exactly one well-formed
 * message. Decoding a keystroke-sized update costs microseconds; it never inspects what an update does
 * (permissions are decided at connect time, not by filtering CRDT updates).
 */

export { MessageType, SyncType, type AwarenessEntry } from "./messages.ts";

export type FrameVerdict =
  | {
      ok: true;
      /** Bytes of document update the frame carries (0 for sync step 1 and awareness). */
      updateBytes: number;
      /** The decoded entries, for awareness frames. */
      awareness?: AwarenessEntry[];
      /**
       * For sync step 2 and update frames: each Yjs client id whose structs the update carries, with the end
       * of its highest clock range (so the room can tell new structs from ones it already holds). Delete-set
       * ids are not listed: a deletion is keyed by the creator of the deleted item, so deleting another
       * peer's text names that peer's id, which is normal editing.
       */
      structs?: Map<number, number>;
      /** How many structs the update carries (what applying it costs grows with this, not with its bytes). */
      structCount?: number;
    }
  | { ok: false; code: CloseCode; reason: string };

/** What the first bytes of a frame say, read without decoding its payload. */
export function peekHeader(frame: Uint8Array): { type: number; syncType: number | undefined } | undefined {
  try {
    const decoder = decoding.createDecoder(frame);
    const type = decoding.readVarUint(decoder);
    return { type, syncType: type === MessageType.sync ? decoding.readVarUint(decoder) : undefined };
  } catch {
    return undefined;
  }
}

/** Whether a frame would change the document (sync step 2 or update), judged from its header alone. */
export function isWrite(header: { type: number; syncType: number | undefined }): boolean {
  return header.type === MessageType.sync && (header.syncType === SyncType.step2 || header.syncType === SyncType.update);
}

/**
 * @param maxStructs structs the sender may still send: an update whose first client block alone declares
 * more is refused before it is decoded (a 1 MB frame holds up to ~450,000 one-unit structs, and decoding
 * and applying them takes the room's thread for seconds). The whole count is checked after decoding.
 */
export function inspectFrame(
  frame: Uint8Array,
  maxMessageBytes: number,
  maxAwarenessEntries = Number.POSITIVE_INFINITY,
  maxStructs = Number.POSITIVE_INFINITY,
): FrameVerdict {
  if (frame.byteLength > maxMessageBytes) {
    return reject(CloseCode.MessageTooLarge, `message of ${frame.byteLength} bytes exceeds ${maxMessageBytes}`);
  }
  try {
    const decoder = decoding.createDecoder(frame);
    let updateBytes = 0;
    let awareness: AwarenessEntry[] | undefined;
    let structs: Map<number, number> | undefined;
    let structCount = 0;
    const type = decoding.readVarUint(decoder);
    if (type === MessageType.sync) {
      const syncType = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (syncType === SyncType.step1) Y.decodeStateVector(payload);
      else if (syncType === SyncType.step2 || syncType === SyncType.update) {
        if (firstBlockStructs(payload) > maxStructs) return tooManyStructs(maxStructs);
        const decoded = Y.decodeUpdate(payload).structs;
        if (decoded.length > maxStructs) return tooManyStructs(maxStructs);
        structs = structEnds(decoded);
        structCount = decoded.length;
        updateBytes = payload.byteLength;
      } else return reject(CloseCode.MalformedMessage, `unknown sync message type ${syncType}`);
    } else if (type === MessageType.awareness) {
      awareness = readAwarenessUpdate(decoding.readVarUint8Array(decoder), maxAwarenessEntries);
      if (!awareness) return reject(CloseCode.MessageTooLarge, `over ${maxAwarenessEntries} awareness entries in one frame`);
    } else {
      return reject(CloseCode.MalformedMessage, `unknown message type ${type}`);
    }
    if (decoding.hasContent(decoder)) return reject(CloseCode.MalformedMessage, "trailing bytes after message");
    if (awareness) return { ok: true, updateBytes, awareness };
    return structs ? { ok: true, updateBytes, structs, structCount } : { ok: true, updateBytes };
  } catch (error) {
    return reject(CloseCode.MalformedMessage, `undecodable message: ${(error as Error).message ?? error}`);
  }
}

/** An update (v1) starts with its number of client blocks, then the first block's struct count. */
function firstBlockStructs(update: Uint8Array): number {
  const decoder = decoding.createDecoder(update);
  return decoding.readVarUint(decoder) === 0 ? 0 : decoding.readVarUint(decoder);
}

function tooManyStructs(maxStructs: number): FrameVerdict {
  return reject(CloseCode.RateLimited, `over ${Math.floor(maxStructs)} structs allowed now (RATE_STRUCTS_PER_SECOND)`);
}

function structEnds(structs: ReturnType<typeof Y.decodeUpdate>["structs"]): Map<number, number> {
  const ends = new Map<number, number>();
  for (const struct of structs) {
    // A Skip is a gap in a merged update, not content.
    if (struct instanceof Y.Skip) continue;
    const end = struct.id.clock + struct.length;
    const { client } = struct.id;
    if (end > (ends.get(client) ?? 0)) ends.set(client, end);
  }
  return ends;
}

function reject(code: CloseCode, reason: string): FrameVerdict {
  // The room cuts the reason to what a close frame holds when it closes (closeReason).
  return { ok: false, code, reason };
}

/**
 * lib0's decoder throws two Error objects it made once, while its module was evaluated ("Unexpected end of
 * array", "Integer out of Range"), so the stacks they carry end in the bundle's top-level code. V8 places a
 * thrown error by that stack, and on workerd (partykit dev) finding a position in top-level code that ran
 * long before took 38-43 ms on first use (a fresh Error: 0-1 ms): the first frame a busy room refused paused
 * every room in the process. Throwing one in the first room's constructor moved the pause into that room's
 * first join; capturing their stacks again from the module's top level did not help (the stack still ends
 * there), with or without frames.
 *
 * So the module takes hold of them now, while its code is fresh, and {@link detachLib0ErrorStacks} captures
 * their stacks again from the first room's constructor, which costs nothing: after it, the first throw took
 * 0-1 ms in each of 44 new rooms, in the benchmark run that had paid 38 ms without it.
 */
const lib0Errors: Error[] = [];
for (const bytes of [[0x7f, 1], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
  try {
    decoding.readVarUint8Array(decoding.createDecoder(new Uint8Array(bytes)));
  } catch (error) {
    if (error instanceof Error) lib0Errors.push(error);
  }
}

/** Call from a room's constructor, never from a module's top level (see lib0Errors). Once per isolate. */
export function detachLib0ErrorStacks(): void {
  for (const error of lib0Errors.splice(0)) Error.captureStackTrace(error);
}
