import { colorFor, DocRoot, MetaKey, ROOM_CLIENT_ID, type RestoreNotice } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { restoreSeen, watchRestores, type RestoreSeen } from "./restore-notice.ts";

const notice = (over: Partial<RestoreNotice> = {}): RestoreNotice => ({
  versionId: "v1",
  restoredFrom: "before refactor",
  named: true,
  userId: "u1",
  name: "Ada Lovelace",
  at: 1_000_000,
  ...over,
});

describe("restoreSeen", () => {
  it("names the restorer and the version, in the restorer's colour", () => {
    expect(restoreSeen(notice(), 1_000_500)).toEqual({ key: "v1@1000000", userId: "u1", name: "Ada Lovelace", color: colorFor("u1").color, label: "“before refactor”" });
  });

  it("calls an unnamed version by its time", () => {
    const at = new Date(2026, 10, 30, 10, 42).toISOString();
    expect(restoreSeen(notice({ named: false, restoredFrom: at }), 1_000_000)?.label).toBe("the version from 10:42");
  });

  it("ignores a malformed notice and one too old to be news", () => {
    expect(restoreSeen({ versionId: 5 }, 0)).toBeUndefined();
    expect(restoreSeen("restored", 0)).toBeUndefined();
    expect(restoreSeen(notice(), 1_000_000 + 121_000)).toBeUndefined();
  });
});

describe("watchRestores", () => {
  it("reports each restore the meta map receives once, and stops when unsubscribed", () => {
    const room = new Y.Doc();
    room.clientID = ROOM_CLIENT_ID;
    const reader = new Y.Doc();
    const seen: RestoreSeen[] = [];
    const stop = watchRestores(reader, (restore) => seen.push(restore), () => 1_000_100);
    const sync = () => Y.applyUpdate(reader, Y.encodeStateAsUpdate(room, Y.encodeStateVector(reader)));
    room.getMap(DocRoot.meta).set(MetaKey.restored, notice());
    sync();
    room.getMap(DocRoot.meta).set(MetaKey.language, "python");
    sync();
    room.getMap(DocRoot.meta).set(MetaKey.restored, notice({ at: 1_000_050 }));
    sync();
    expect(seen.map((s) => s.key)).toEqual(["v1@1000000", "v1@1000050"]);
    stop();
    room.getMap(DocRoot.meta).set(MetaKey.restored, notice({ at: 1_000_060 }));
    sync();
    expect(seen).toHaveLength(2);
  });

  it("ignores a notice an editor wrote: only the room's client id is trusted", () => {
    const editor = new Y.Doc();
    const reader = new Y.Doc();
    const seen: RestoreSeen[] = [];
    watchRestores(reader, (restore) => seen.push(restore), () => 1_000_100);
    editor.getMap(DocRoot.meta).set(MetaKey.restored, notice({ name: "Grace Hopper", userId: "u2" }));
    Y.applyUpdate(reader, Y.encodeStateAsUpdate(editor));
    expect(seen).toEqual([]);
    const room = new Y.Doc();
    room.clientID = ROOM_CLIENT_ID;
    Y.applyUpdate(room, Y.encodeStateAsUpdate(editor));
    room.getMap(DocRoot.meta).set(MetaKey.restored, notice());
    Y.applyUpdate(reader, Y.encodeStateAsUpdate(room, Y.encodeStateVector(reader)));
    expect(seen.map((s) => s.name)).toEqual(["Ada Lovelace"]);
  });
});
