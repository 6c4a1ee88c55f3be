/**
 * Default limits. Rooms read overrides from their environment (see party/config.ts); these are what a
 * room enforces when nothing is configured.
 */
export const Limits = {
  /** Largest single WebSocket frame a client may send (Cloudflare's own cap is 1 MiB). */
  maxMessageBytes: 1024 * 1024,
  /** Largest encoded document state; updates that would grow a document past it are refused. */
  maxDocumentBytes: 8 * 1024 * 1024,
  /** Longest display name. */
  maxNameLength: 64,
} as const;
