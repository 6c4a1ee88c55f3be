import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { RestoreNotAcknowledgedError, restoreLocally } from "./restore-locally.ts";

function session(content: string) {
  const doc = new Y.Doc();
  const text = doc.getText("content");
  text.insert(0, content);
  const undoManager = new Y.UndoManager(text);
  return { doc, text, undoManager, sync: { unsynced: 0 } };
}

describe("restoreLocally", () => {
  it("writes the text as one transaction that one undo takes back", async () => {
    const target = session("alpha\nbeta\ngamma\n");
    let transactions = 0;
    target.doc.on("afterTransaction", () => transactions++);
    await restoreLocally(target, "alpha\nBETA\n");
    expect(target.text.toString()).toBe("alpha\nBETA\n");
    expect(transactions).toBe(1);
    target.undoManager.undo();
    expect(target.text.toString()).toBe("alpha\nbeta\ngamma\n");
  });

  it("keeps unchanged text's identity (a minimal edit, so cursors stay)", async () => {
    const target = session("keep this line\nchange me\n");
    const cursor = Y.createRelativePositionFromTypeIndex(target.text, 5);
    await restoreLocally(target, "keep this line\nchanged\n");
    expect(Y.createAbsolutePositionFromRelativePosition(cursor, target.doc)?.index).toBe(5);
  });

  it("waits for the room's acknowledgement, and gives up with a clear error", async () => {
    const target = session("a");
    const sync = { unsynced: 1 };
    setTimeout(() => (sync.unsynced = 0), 30);
    await restoreLocally({ ...target, sync }, "b", { pollMs: 5 });
    expect(target.text.toString()).toBe("b");
    await expect(restoreLocally({ ...target, sync: { unsynced: 2 } }, "c", { timeoutMs: 20, pollMs: 5 })).rejects.toBeInstanceOf(RestoreNotAcknowledgedError);
  });
});
