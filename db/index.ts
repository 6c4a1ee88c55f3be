export * from "./accounts.ts";
export * from "./client.ts";
export * from "./documents.ts";
export * from "./sharing.ts";
export * from "./snapshots.ts";
export * as schema from "./schema.ts";
export * from "./versions.ts";
export * from "./writers.ts";
