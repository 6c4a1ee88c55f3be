import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { MemoryStorage } from "./testing/memory-storage.ts";
import { StorageWriteError, UpdateLog } from "./update-log.ts";

function setup(storage = new MemoryStorage()) {
  const failures: StorageWriteError[] = [];
  const log = new UpdateLog(storage, (error) => failures.push(error));
  return { storage, log, failures };
}

/** A writer whose every edit is one update, as a typing client produces them. */
function typist(clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  return { doc, updates, type: (text: string) => doc.getText("content").insert(doc.getText("content").length, text) };
}

/** What a room restarted on `storage` would hold. */
async function reload(storage: MemoryStorage): Promise<string> {
  const loaded = await new UpdateLog(storage, () => {}).load();
  const doc = new Y.Doc();
  for (const update of loaded.updates) Y.applyUpdate(doc, update);
  return doc.getText("content").toString();
}

describe("UpdateLog", () => {
  it("writes each flush as one atomic put and reloads every update in order", async () => {
    const { storage, log } = setup();
    const writer = typist(1);
    for (const word of ["one ", "two ", "three "]) {
      writer.type(word);
      log.append(writer.updates.at(-1)!);
    }
    expect(await log.flush()).toBe(true);
    writer.type("four");
    log.append(writer.updates.at(-1)!);
    expect(await log.flush()).toBe(true);
    expect(storage.puts).toEqual([1, 1]);
    expect(await reload(storage)).toBe("one two three four");
    expect(log.stats.writes).toBe(2);
  });

  it("splits a batch over 128 KiB into parts of one put, and joins them on load", async () => {
    const { storage, log } = setup();
    const writer = typist(2);
    writer.type("x".repeat(300 * 1024));
    log.append(writer.updates.at(-1)!);
    await log.flush();
    expect(storage.puts).toEqual([3]);
    expect(await reload(storage)).toBe("x".repeat(300 * 1024));
  });

  it("ignores an incomplete batch (a put that never finished) on load", async () => {
    const { storage, log } = setup();
    const writer = typist(3);
    writer.type("kept");
    log.append(writer.updates.at(-1)!);
    await log.flush();
    writer.type("y".repeat(300 * 1024));
    log.append(writer.updates.at(-1)!);
    await log.flush();
    // A crash tore the second batch (impossible for one put, but older layouts wrote parts separately).
    const torn = [...storage.data.keys()].filter((key) => key.startsWith("batch:000000000001:"));
    expect(torn).toHaveLength(3);
    storage.data.delete(torn[1]!);
    expect(await reload(storage)).toBe("kept");
  });

  it("compacts into a snapshot that replaces the log, and keeps appending after it", async () => {
    const { storage, log } = setup();
    const writer = typist(4);
    for (let i = 0; i < 5; i++) {
      writer.type(`${i}`);
      log.append(writer.updates.at(-1)!);
      await log.flush();
    }
    expect(await log.compact(Y.encodeStateAsUpdate(writer.doc))).toBe(true);
    await new Promise((r) => setTimeout(r, 0)); // the deletes are issued, not awaited
    expect([...storage.data.keys()].filter((key) => key.startsWith("batch:"))).toEqual([]);
    writer.type("5");
    log.append(writer.updates.at(-1)!);
    await log.flush();
    expect(await reload(storage)).toBe("012345");
    expect(log.storedBytes).toBeGreaterThan(0);
  });

  it("asks for compaction past 1,000 batches", async () => {
    const { log } = setup();
    const writer = typist(5);
    for (let i = 0; i <= 1_000; i++) {
      writer.type("k");
      log.append(writer.updates.at(-1)!);
      void log.flush();
    }
    expect(log.needsCompaction).toBe(true);
  });

  it("reports a failed put, and the batch it held is not on disk", async () => {
    const { storage, log, failures } = setup();
    const writer = typist(6);
    writer.type("stored");
    log.append(writer.updates.at(-1)!);
    await log.flush();
    storage.failing = true;
    writer.type(" lost");
    log.append(writer.updates.at(-1)!);
    expect(await log.flush()).toBe(false);
    expect(failures.map((error) => error.name)).toEqual(["StorageWriteError"]);
    expect(await reload(storage)).toBe("stored");
    expect(await log.probe()).toBe(false);
    storage.failing = false;
    expect(await log.probe()).toBe(true);
    // Recovery writes the full state: nothing the failed batch held is missing after it.
    expect(await log.compact(Y.encodeStateAsUpdate(writer.doc))).toBe(true);
    expect(await reload(storage)).toBe("stored lost");
  });

  it("refuses, without writing anything, a state too large for one atomic put", async () => {
    const { storage, log, failures } = setup();
    const writer = typist(7);
    writer.type("small");
    log.append(writer.updates.at(-1)!);
    await log.flush();
    const huge = new Uint8Array(128 * 128 * 1024);
    expect(await log.compact(huge)).toBe(false);
    expect(failures[0]?.message).toMatch(/too large to store atomically/);
    expect(storage.puts).toEqual([1]);
    expect(await reload(storage)).toBe("small");
  });

  it("remembers the document id", async () => {
    const { storage, log } = setup();
    expect(await log.rememberDocId("doc-1")).toBe(true);
    expect((await new UpdateLog(storage, () => {}).load()).docId).toBe("doc-1");
    expect(UpdateLog.isEmpty(await new UpdateLog(storage, () => {}).load())).toBe(true);
  });
});
