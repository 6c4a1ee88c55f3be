import type { ActiveUser } from "@collab/protocol";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { PresenceStore } from "./store.ts";
import { storeFromSpec, type StoreSpec } from "./testing/spec.ts";

/**
 * The contract every presence backend passes (Redis through the bridge, the lobby party, the in-memory
 * store under it). A backend may be shared with other suites (the stack's lobby), so every test uses
 * document ids of its own and checks unfiltered listings for its own documents only.
 *
 * @example
 * presenceContract("redis", () => ({ kind: "redis", url: bridge.url, token: bridge.token, prefix }));
 *
 * `spec` is called inside the tests (after the suite's beforeAll started the backend). `crossProcess: false`
 * (the in-memory store) leaves out the test whose publisher runs in a process of its own.
 */
export function presenceContract(name: string, spec: () => StoreSpec, options: { crossProcess: boolean } = { crossProcess: true }): void {
  const run = Math.random().toString(36).slice(2, 10);
  let counter = 0;
  /** A document id nobody else uses. */
  const doc = (label: string) => `${run}-${label}-${counter++}`;
  const store = (): PresenceStore => storeFromSpec(spec());

  describe(`presence contract: ${name}`, () => {
    test("join: a room's users are listed with their names, colours and connection counts", async () => {
      const presence = store();
      const id = doc("join");
      await presence.publish(id, [ada, grace], 30);
      expect(await presence.users(id)).toEqual([ada, grace]);
      expect(await presence.active([id])).toEqual(new Map([[id, [ada, grace]]]));
    });

    test("publishing replaces the previous set: who left is gone, who came is there", async () => {
      const presence = store();
      const id = doc("replace");
      await presence.publish(id, [ada, grace], 30);
      await presence.publish(id, [{ ...grace, connections: 3 }, linus], 30);
      expect(await presence.users(id)).toEqual([{ ...grace, connections: 3 }, linus]);
    });

    test("leave: clear, or publishing nobody, removes the document everywhere", async () => {
      const presence = store();
      const [cleared, emptied] = [doc("clear"), doc("empty")];
      await presence.publish(cleared, [ada], 30);
      await presence.publish(emptied, [ada], 30);
      await presence.clear(cleared);
      await presence.publish(emptied, [], 30);
      for (const id of [cleared, emptied]) expect(await presence.users(id)).toEqual([]);
      expect(await presence.active([cleared, emptied])).toEqual(new Map());
      expect(mine(await presence.active(), [cleared, emptied])).toEqual(new Map());
      await presence.clear(doc("never-published")); // harmless
    });

    test("expiry: without a refresh the users vanish after the TTL, not before", async () => {
      const presence = store();
      const id = doc("expiry");
      const published = Date.now();
      await presence.publish(id, [ada], 1);
      expect(await presence.users(id)).toEqual([ada]);
      await eventually(async () => {
        expect(await presence.users(id)).toEqual([]);
        expect(await presence.active([id])).toEqual(new Map());
        expect(mine(await presence.active(), [id])).toEqual(new Map());
      }, 3_000);
      expect(Date.now() - published).toBeGreaterThanOrEqual(950);
    });

    test("refresh: publishing again extends the expiry", async () => {
      const presence = store();
      const id = doc("refresh");
      const published = Date.now();
      await presence.publish(id, [ada], 1.5);
      await sleep(1_000);
      await presence.publish(id, [ada], 1.5);
      await sleep(published + 1_900 - Date.now()); // past the first expiry, before the second
      expect(await presence.users(id)).toEqual([ada]);
      await eventually(async () => expect(await presence.users(id)).toEqual([]), 3_000);
    });

    test("listing: every active document with its own users, and nothing for empty ones", async () => {
      const presence = store();
      const [first, second, third, idle] = [doc("list"), doc("list"), doc("list"), doc("idle")];
      await Promise.all([presence.publish(first, [ada], 30), presence.publish(second, [grace, linus], 30), presence.publish(third, [linus], 30)]);
      const expected = new Map([[first, [ada]], [second, [grace, linus]], [third, [linus]]]);
      expect(await presence.active([first, second, third, idle])).toEqual(expected);
      expect(mine(await presence.active(), [first, second, third, idle])).toEqual(expected);
    });

    test("visibility: active(docIds) never reveals a document outside docIds", async () => {
      const presence = store();
      const [visible, hidden, unknown] = [doc("visible"), doc("hidden"), doc("unknown")];
      await presence.publish(visible, [ada], 30);
      await presence.publish(hidden, [grace], 30);
      expect([...(await presence.active([visible, unknown])).keys()]).toEqual([visible]);
      expect([...(await presence.active([unknown])).keys()]).toEqual([]);
      expect(await presence.active([])).toEqual(new Map());
      expect([...(await presence.active([visible, visible])).keys()]).toEqual([visible]);
    });

    test("many documents: 200 rooms publishing at once are all listed, each with its own users", async () => {
      const presence = store();
      const ids = Array.from({ length: 200 }, () => doc("many"));
      const usersOf = (i: number): ActiveUser[] => [{ id: `user-${i}`, name: `User ${i}`, color: "#4363d8", connections: 1 + (i % 4) }];
      for (let i = 0; i < ids.length; i += 25) await Promise.all(ids.slice(i, i + 25).map((id, j) => presence.publish(id, usersOf(i + j), 30)));
      const expected = new Map(ids.map((id, i) => [id, usersOf(i)]));
      expect(await presence.active(ids)).toEqual(expected);
      expect(mine(await presence.active(), ids)).toEqual(expected);
      await Promise.all(ids.filter((_, i) => i % 2 === 0).map((id) => presence.clear(id)));
      expect([...(await presence.active(ids)).keys()]).toEqual(ids.filter((_, i) => i % 2 === 1));
    });

    test("metrics: counters add up per room and in total, gauges are replaced and expire with their TTL", async () => {
      const presence = store();
      const [first, second] = [doc("metrics"), doc("metrics")];
      const totalBefore = (await presence.metrics()).total;
      await presence.reportMetrics(first, { counters: { updates_received: 3, "closes:4429": 1 }, gauges: { connections: 2 } }, 1);
      await presence.reportMetrics(first, { counters: { updates_received: 4 }, gauges: { connections: 1 } }, 1);
      await presence.reportMetrics(second, { counters: { updates_received: 5 }, gauges: { connections: 7 } }, 30);
      const read = await presence.metrics();
      const roomOf = (id: string) => read.rooms.find((room) => room.docId === id);
      expect(roomOf(first)).toEqual({ docId: first, counters: { updates_received: 7, "closes:4429": 1 }, gauges: { connections: 1 } });
      expect(roomOf(second)).toEqual({ docId: second, counters: { updates_received: 5 }, gauges: { connections: 7 } });
      // Other suites may report to a shared backend at the same time: at least ours were added.
      expect(read.total.updates_received! - (totalBefore.updates_received ?? 0)).toBeGreaterThanOrEqual(12);
      expect(read.total["closes:4429"]! - (totalBefore["closes:4429"] ?? 0)).toBeGreaterThanOrEqual(1);
      await eventually(async () => {
        const later = (await presence.metrics()).rooms.find((room) => room.docId === first);
        expect(later).toEqual({ docId: first, counters: { updates_received: 7, "closes:4429": 1 }, gauges: undefined });
      }, 3_000);
    });

    test("a TTL that is not positive is a programming error", async () => {
      await expect(store().publish(doc("ttl"), [ada], 0)).rejects.toThrow(RangeError);
    });

    // Only where a publisher can live in another process: registered, not skipped, so no run reports a skip.
    if (options.crossProcess) test("expiry after a room dies: a killed publisher's users vanish within the TTL", async () => {
      const presence = store();
      const id = doc("killed");
      // One process (node --import tsx, not the tsx CLI, which would leave its child running after the kill).
      const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "testing", "publisher.ts")], {
        env: { ...process.env, PRESENCE_SPEC: JSON.stringify(spec()), PRESENCE_DOC: id, PRESENCE_TTL_SECONDS: "2", PRESENCE_EVERY_MS: "300" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      try {
        const [line] = await once(child.stdout!, "data");
        expect(String(line)).toContain("published");
        await sleep(700); // a few refreshes
        expect((await presence.users(id)).map((user) => user.id)).toEqual(["publisher"]);
      } finally {
        child.kill("SIGKILL");
      }
      await once(child, "exit");
      const killed = Date.now();
      await eventually(async () => {
        expect(await presence.users(id)).toEqual([]);
        expect(await presence.active([id])).toEqual(new Map());
      }, 4_000);
      // Gone by expiry: within the TTL of the last refresh (plus polling slack), not at the moment of the kill.
      expect(Date.now() - killed).toBeGreaterThanOrEqual(1_500);
      expect(Date.now() - killed).toBeLessThan(3_000);
    });
  });
}

const ada: ActiveUser = { id: "ada", name: "Ada Lovelace", color: "#e6194b", connections: 1 };
const grace: ActiveUser = { id: "grace", name: "Grace Hopper ✓ 日本語 🎉", color: "#3cb44b", connections: 2 };
const linus: ActiveUser = { id: "linus", name: 'Linus "the" <Torvalds>', color: "#4363d8", connections: 1 };

/** The entries of a listing that belong to `ids` (a shared backend lists other suites' documents too). */
function mine(active: Map<string, ActiveUser[]>, ids: string[]): Map<string, ActiveUser[]> {
  return new Map([...active].filter(([id]) => ids.includes(id)).sort(([a], [b]) => ids.indexOf(a) - ids.indexOf(b)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Retries `check` every 100 ms until it passes or `timeoutMs` is over (then its last failure is thrown). */
async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
