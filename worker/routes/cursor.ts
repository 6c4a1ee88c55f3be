import { ErrorCode } from "@collab/protocol";
import { ApiError } from "../errors.ts";

/**
 * Keyset cursors for lists ordered by (time, id), newest first: opaque to clients, base64 of
 * `[isoTime, id]`. Decoding accepts only what encoding writes; anything else answers 400.
 */
export function encodeCursor(at: Date, id: string): string {
  return btoa(JSON.stringify([at.toISOString(), id])).replace(/=+$/, "");
}

const CURSOR_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const CURSOR_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [iso, id] = JSON.parse(atob(cursor)) as [unknown, unknown];
    // Only what encodeCursor writes: anything else (a year past 9999, a NUL in the id) would reach Postgres.
    if (typeof iso !== "string" || !CURSOR_TIME.test(iso) || typeof id !== "string" || !CURSOR_ID.test(id)) throw new Error("bad cursor");
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) throw new Error("bad cursor");
    return { at, id };
  } catch {
    throw new ApiError(400, ErrorCode.ValidationFailed, "Invalid cursor", { details: { fields: { "query.cursor": ["Invalid cursor: use the nextCursor of the previous page"] } } });
  }
}
