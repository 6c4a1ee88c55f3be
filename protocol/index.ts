export * from "./api.ts";
export * from "./close-codes.ts";
export * from "./doc-id.ts";
export * from "./doc-layout.ts";
export * from "./languages.ts";
export * from "./limits.ts";
export * from "./presence.ts";
export * from "./rooms.ts";
