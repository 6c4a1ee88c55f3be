/**
 * WebSocket close codes the room uses, in the 4000-4999 range left to applications. Like Hocuspocus, each
 * mirrors the HTTP status that means the same thing (4400 ~ 400), so logs read naturally.
 *
 * Clients should not reconnect after the codes in {@link FATAL_CLOSE_CODES}: retrying cannot succeed.
 * After any other code (and after 1006, a dropped connection) they reconnect with backoff.
 */
export const CloseCode = {
  /**
   * An operator closed the room's sockets (`POST /api/admin/rooms/{id}/close`). Not an HTTP mirror: no status
   * means "an admin asked". Clients reconnect with backoff, as after a restart.
   */
  ClosedByAdmin: 4000,
  /** The document id in the URL is not a valid id. */
  InvalidDocumentId: 4400,
  /** Missing, expired or forged room token: fetch a fresh one and reconnect. */
  Unauthorized: 4401,
  /** No access to this document, or access was taken away. */
  Forbidden: 4403,
  /** The document was deleted. */
  DocumentDeleted: 4404,
  /** Nothing arrived from the client for too long (a half-open connection), or a chunked upload took too long; reconnect. */
  Idle: 4408,
  /** The user's role changed: reconnect with a fresh token to get the new role. */
  RoleChanged: 4409,
  /** The session behind the token ended (logout, or the session was revoked): sign in again. */
  SessionEnded: 4410,
  /** One frame exceeded the room's maximum message size. */
  MessageTooLarge: 4413,
  /** A frame that is not a well-formed Yjs sync or awareness message. */
  MalformedMessage: 4422,
  /** An update or awareness entry under a Yjs client id that another connection owns. */
  ClientIdTaken: 4423,
  /**
   * The client's updates depend on updates it never sent (Yjs "pending" structs or deletions), beyond the
   * size or age the room keeps for one connection.
   */
  PendingUpdates: 4425,
  /**
   * The client sent more than the room accepts per second (messages, bytes, or awareness entries), or joined
   * past what one user or the whole room may hold (connections, joins a second, unfinished uploads); retry later.
   */
  RateLimited: 4429,
  /**
   * Room storage refused a write: the room stops accepting edits (writers are closed, readers stay) until
   * storage accepts writes again. Reconnect with backoff.
   */
  StorageUnavailable: 4502,
  /** The room could not load the document's state (database down or slow); try again shortly. */
  RoomUnavailable: 4503,
  /** The client did not read what the room sent it (its queue past the per-connection bound). */
  SlowReader: 4504,
  /** Applying the client's update would make the document larger than the maximum document size. */
  DocumentTooLarge: 4507,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.InvalidDocumentId,
  CloseCode.Forbidden,
  CloseCode.DocumentDeleted,
  CloseCode.SessionEnded,
  CloseCode.MessageTooLarge,
  CloseCode.MalformedMessage,
  CloseCode.ClientIdTaken,
  CloseCode.DocumentTooLarge,
]);

/** The name of a close code for logs and UI, e.g. `closeCodeName(4413) === "MessageTooLarge"`. */
export function closeCodeName(code: number): string | undefined {
  return Object.entries(CloseCode).find(([, value]) => value === code)?.[0];
}

/** RFC 6455 §5.5: a control frame carries at most 125 bytes, and a close frame's code takes 2 of them. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * The reason cut to what a close frame can carry, at a character boundary. workerd sends a longer reason as
 * it is, an invalid frame that clients reject (Node's `ws` throws "invalid payload length 126"), and a reason
 * quoting an error (`undecodable message: Unexpected token ...`) can run past the limit once its excerpt of
 * a hostile frame turns into 3-byte replacement characters.
 */
export function closeReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.byteLength <= MAX_CLOSE_REASON_BYTES) return reason;
  const ellipsis = "…"; // 3 bytes
  let end = MAX_CLOSE_REASON_BYTES - 3;
  // Step back past continuation bytes (10xxxxxx) so the cut never splits a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end)) + ellipsis;
}
