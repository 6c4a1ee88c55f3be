import { createLogger } from "@collab/protocol";
import { STRETCH_MS } from "@collab/protocol/line-authors";
import type * as Party from "partykit/server";
import { describe, expect, it } from "vitest";
import { ClientIdRecords } from "./client-id-records.ts";
import { ClientIds } from "./client-ids.ts";
import { MemoryStorage } from "./testing/memory-storage.ts";

function setup(storage = new MemoryStorage()) {
  const records = new ClientIdRecords(storage as unknown as Party.Storage, createLogger({ level: "error" }));
  return { storage, records };
}

const T0 = 1_800_000_000_000;

describe("ClientIdRecords", () => {
  it("keeps one stretch per STRETCH_MS of writing, each put to room storage when it starts", () => {
    const { storage, records } = setup();
    records.wrote(7, 0, "ada", T0);
    records.wrote(7, 3, "ada", T0 + STRETCH_MS - 1);
    records.wrote(7, 9, "ada", T0 + STRETCH_MS);
    expect(records.all().get(7)).toEqual({ userId: "ada", firstSeen: T0, stretches: [[0, T0], [9, T0 + STRETCH_MS]] });
    expect(storage.puts).toEqual([1, 1]);
  });

  it("hands Postgres every new client id at once, and stretches of known ones only when asked", () => {
    const { records } = setup();
    records.wrote(1, 0, "ada", T0);
    expect([...records.takeUnsaved({ stretches: false }).keys()]).toEqual([1]);
    // Known to Postgres now: a new stretch waits for a write that takes stretches.
    records.wrote(1, 5, "ada", T0 + STRETCH_MS);
    records.wrote(2, 0, "grace", T0 + STRETCH_MS);
    expect([...records.takeUnsaved({ stretches: false }).keys()]).toEqual([2]);
    expect(records.takeUnsaved({ stretches: false }).size).toBe(0);
    const withStretches = records.takeUnsaved({ stretches: true });
    expect([...withStretches.keys()]).toEqual([1]);
    expect(withStretches.get(1)!.stretches).toEqual([[0, T0], [5, T0 + STRETCH_MS]]);
    expect(records.takeUnsaved({ stretches: true }).size).toBe(0);
  });

  it("gives a failed write's records to the next write, stretches or not", () => {
    const { records } = setup();
    records.wrote(1, 0, "ada", T0);
    records.takeUnsaved({ stretches: true });
    records.wrote(1, 5, "ada", T0 + STRETCH_MS);
    const taken = records.takeUnsaved({ stretches: true });
    records.unsaved(taken.keys());
    expect([...records.takeUnsaved({ stretches: false }).keys()]).toEqual([1]);
  });

  it("counts every record loaded from room storage as missing from Postgres (the room may have stopped before its copy)", async () => {
    const storage = new MemoryStorage();
    setup(storage).records.wrote(3, 0, "ada", T0);
    const { records } = setup(storage);
    const ids = new ClientIds({ maxPerConnection: 4 });
    await records.load(ids);
    expect(ids.ownerOf(3)?.userId).toBe("ada");
    expect([...records.takeUnsaved({ stretches: false }).keys()]).toEqual([3]);
  });
});
