import { describe, expect, it } from "vitest";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import { announceRestore, announcementIn, newRestores } from "./restore-announcement.ts";

describe("restore announcements", () => {
  it("reach a peer once, with the sender's name, and never the sender itself", () => {
    const ada = new Awareness(new Y.Doc());
    const bob = new Awareness(new Y.Doc());
    ada.setLocalStateField("user", { id: "u1", name: "Ada", color: "#e6194b" });
    announceRestore(ada, { versionId: "v1", label: "the version from 10:42", at: Date.now() });
    applyAwarenessUpdate(bob, encodeAwarenessUpdate(ada, [ada.clientID]), "room");

    const shown = new Set<string>();
    expect(newRestores(bob.getStates(), bob.clientID, shown)).toEqual([{ versionId: "v1", name: "Ada", color: "#e6194b", label: "the version from 10:42" }]);
    expect(newRestores(bob.getStates(), bob.clientID, shown)).toEqual([]);
    expect(newRestores(ada.getStates(), ada.clientID, new Set())).toEqual([]);
  });

  it("ignore old and malformed states", () => {
    const states = new Map<number, unknown>([
      [1, { restored: { versionId: "old", label: "x", at: 0 } }],
      [2, { restored: { versionId: 5, label: "x", at: 1 } }],
      [3, { restored: "v" }],
      [4, null],
    ]);
    expect(newRestores(states, 99, new Set(), 10 * 60_000)).toEqual([]);
    expect(announcementIn({ restored: { versionId: "v", label: "y".repeat(500), at: 1 } })?.label).toHaveLength(120);
  });
});
