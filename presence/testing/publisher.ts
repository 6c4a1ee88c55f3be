import { storeFromSpec, type StoreSpec } from "./spec.ts";

/**
 * A stand-in for a room, in its own process so a test can SIGKILL it: publishes one document's users every
 * PRESENCE_EVERY_MS with PRESENCE_TTL_SECONDS, as a room refreshes its presence, and prints "published"
 * after the first write. Run by contract.ts: tsx presence/testing/publisher.ts
 */
const env = process.env;
const spec = JSON.parse(env.PRESENCE_SPEC!) as StoreSpec;
const docId = env.PRESENCE_DOC!;
const ttlSeconds = Number(env.PRESENCE_TTL_SECONDS);
const everyMs = Number(env.PRESENCE_EVERY_MS);
const store = storeFromSpec(spec);
const users = [{ id: "publisher", name: "Process", color: "#3cb44b", connections: 1 }];

for (let first = true; ; first = false) {
  await store.publish(docId, users, ttlSeconds);
  if (first) console.log("published");
  await new Promise((resolve) => setTimeout(resolve, everyMs));
}
