import { replaceText } from "@collab/protocol/replace-text";
import type * as Y from "yjs";

/**
 * The transaction origin of a restore this client writes. The session's undo manager tracks it, so the
 * restore is one undo step of the person who restored (issue 11), which a restore the room writes is not:
 * a Y.UndoManager only takes back its own client's transactions with tracked origins.
 */
export const LOCAL_RESTORE_ORIGIN = Symbol("local-restore");

export interface RestoreTarget {
  doc: Y.Doc;
  text: Y.Text;
  undoManager: Y.UndoManager;
  /** The sync tracker's count of this client's changes the room has not acknowledged. */
  sync: { readonly unsynced: number };
}

/** The room did not confirm the restore's edit in time (offline, or a stalled connection). */
export class RestoreNotAcknowledgedError extends Error {
  override name = "RestoreNotAcknowledgedError";
}

/**
 * Writes `content` over the live text as ONE transaction and one undo step (a minimal edit, as the room's
 * own restore does: unchanged regions keep their identity, so everyone's cursors stay), then waits until
 * the room acknowledged every change of ours. Only then may the caller ask the API to record the restore
 * version (`{ applied: true }`): the room records what it holds.
 *
 * @example
 * await restoreLocally(session, version.text);
 * await versions.restore(docId, version.id, true);
 */
export async function restoreLocally(target: RestoreTarget, content: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<void> {
  const { undoManager } = target;
  undoManager.addTrackedOrigin(LOCAL_RESTORE_ORIGIN);
  // Its own undo step: typing just before or after it must not be merged into it (the capture timeout).
  undoManager.stopCapturing();
  target.doc.transact(() => replaceText(target.text, content), LOCAL_RESTORE_ORIGIN);
  undoManager.stopCapturing();
  await acknowledged(target.sync, options.timeoutMs ?? 15_000, options.pollMs ?? 50);
}

/** Polls the tracker (a Svelte state, readable from plain code) until nothing of ours is unacknowledged. */
async function acknowledged(sync: { readonly unsynced: number }, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sync.unsynced > 0) {
    if (Date.now() > deadline) throw new RestoreNotAcknowledgedError("The room has not confirmed the restore yet. It stays in your text and is saved when the connection is back; the history entry was not recorded.");
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
