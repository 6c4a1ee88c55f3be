export * from "./client.ts";
export * from "./snapshots.ts";
export * as schema from "./schema.ts";
