import { expect, test } from "vitest";
import { presenceContract } from "./contract.ts";
import { MemoryPresenceStore } from "./memory-store.ts";

// The lobby party's data structure on its own, on the same contract (no servers needed).
presenceContract("in memory (the lobby's store)", () => ({ kind: "memory" }), { crossProcess: false });

test("sweep drops expired entries and says when the next one expires", async () => {
  let now = 1_000;
  const store = new MemoryPresenceStore(() => now);
  const user = { id: "u", name: "U", color: "#000000", connections: 1 };
  await store.publish("short", [user], 1);
  await store.publish("long", [user], 5);
  expect(store.sweep()).toBe(2_000);
  now = 2_000;
  expect(store.sweep()).toBe(6_000);
  expect(store.size).toBe(1);
  now = 6_000;
  expect(store.sweep()).toBeUndefined();
  expect(store.size).toBe(0);
});

test("what a caller holds is a copy: mutating it changes nothing stored", async () => {
  const store = new MemoryPresenceStore();
  const users = [{ id: "u", name: "U", color: "#000000", connections: 1 }];
  await store.publish("doc", users, 10);
  users[0]!.name = "changed";
  (await store.users("doc"))[0]!.connections = 99;
  expect(await store.users("doc")).toEqual([{ id: "u", name: "U", color: "#000000", connections: 1 }]);
});
