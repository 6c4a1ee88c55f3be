import * as decoding from "lib0/decoding";
import type * as Y from "yjs";
import { MessageType, SyncType, writeSyncFrame } from "./messages.ts";
import { encodeStateWithoutPending } from "./pending-budget.ts";

/**
 * The room's answer to a peer's sync step 1 (its state vector): a sync step 2 with what the peer lacks,
 * leaving out the document's pending state. y-partykit answers with y-protocols' `writeSyncStep2`, whose
 * `encodeStateAsUpdate` includes pending structs; those may be a hostile connection's, and a joiner that
 * took them would write them back under ids it does not own and be closed (4423). So while the document
 * holds pending state the room answers step 1 itself; otherwise y-partykit does, as usual.
 *
 * Returns undefined for any frame that is not a sync step 1 (the frame was checked by inspectFrame).
 *
 * @example
 * const answer = answerSyncStep1(doc, frame);
 * if (answer) peer.send(answer); else peer.deliver(frame);
 */
export function answerSyncStep1(doc: Y.Doc, frame: Uint8Array): Uint8Array | undefined {
  const decoder = decoding.createDecoder(frame);
  if (decoding.readVarUint(decoder) !== MessageType.sync || decoding.readVarUint(decoder) !== SyncType.step1) return undefined;
  const stateVector = decoding.readVarUint8Array(decoder);
  return writeSyncFrame(SyncType.step2, encodeStateWithoutPending(doc, stateVector));
}
