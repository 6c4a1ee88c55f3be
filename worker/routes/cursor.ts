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

/**
 * Cursors for the document list, which sorts by time (`recent`) or by lower-cased title (`name`): base64url
 * of UTF-8 `[sort, key, id]`. The sort is inside, so a cursor used with the other sort answers 400 instead
 * of comparing a title with a time.
 */
export function encodeSortCursor(sort: "recent" | "name", key: string, id: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify([sort, key, id]));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Longest title key: titles are at most 200 code points, and lower-casing can lengthen a few. */
const MAX_TITLE_KEY = 400;

export function decodeSortCursor(cursor: string | undefined, sort: "recent" | "name"): { key: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== 3) throw new Error("bad cursor");
    const [kind, key, id] = parsed as [unknown, unknown, unknown];
    if (kind !== sort || typeof key !== "string" || typeof id !== "string" || !CURSOR_ID.test(id)) throw new Error("bad cursor");
    // Only what encoding writes: a NUL would make Postgres refuse the text, a bad time the cast.
    if (sort === "recent" && (!CURSOR_TIME.test(key) || Number.isNaN(new Date(key).getTime()))) throw new Error("bad cursor");
    if (sort === "name" && ([...key].length > MAX_TITLE_KEY || key.includes("\0"))) throw new Error("bad cursor");
    return { key, id };
  } catch {
    throw new ApiError(400, ErrorCode.ValidationFailed, "Invalid cursor", { details: { fields: { "query.cursor": ["Invalid cursor: use the nextCursor of the previous page, with the same sort"] } } });
  }
}
