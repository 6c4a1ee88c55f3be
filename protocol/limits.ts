/**
 * Default limits. Rooms read overrides from their environment (see party/config.ts); these are what a
 * room enforces when nothing is configured.
 */
export const Limits = {
  /**
   * Largest single WebSocket frame a client may send. Below the runtime's own cap (1 MiB in workerd, which
   * closes with 1009 before the room sees the frame) so the room answers with its named close code, and
   * equal to y-partykit's chunking threshold (its provider never sends a larger frame).
   */
  maxMessageBytes: 1_000_000,
  /** Largest encoded document state; updates that would grow a document past it are refused. */
  maxDocumentBytes: 8 * 1024 * 1024,
  /** Longest display name. */
  maxNameLength: 64,
} as const;
