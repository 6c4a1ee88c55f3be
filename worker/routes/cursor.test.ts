import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import { decodeSortCursor, encodeSortCursor } from "./cursor.ts";

/** The document list's cursors, in-process (the REST behaviour is in worker/list.test.ts). */
describe("sort cursors", () => {
  it.each([
    ["recent", "2031-01-01T00:00:00.123Z"],
    ["name", "notes"],
    ["name", "日本語メモ — ünïcode ✓ 🎈"],
    ["name", "x".repeat(200)],
  ] as const)("round-trips a %s key (%s), URL-safe", (sort, key) => {
    const cursor = encodeSortCursor(sort, key, "abc_DEF-123");
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor.length).toBeLessThanOrEqual(2_000);
    expect(decodeSortCursor(cursor, sort)).toEqual({ key, id: "abc_DEF-123" });
  });

  it.each([
    ["a cursor of the other sort", () => decodeSortCursor(encodeSortCursor("name", "notes", "id1"), "recent")],
    ["a name key in a recent cursor", () => decodeSortCursor(encodeSortCursor("recent", "notes", "id1"), "recent")],
    ["a NUL in the title key", () => decodeSortCursor(encodeSortCursor("name", "a\0b", "id1"), "name")],
    ["an id outside the alphabet", () => decodeSortCursor(encodeSortCursor("name", "a", "a'b"), "name")],
    ["an over-long title key", () => decodeSortCursor(encodeSortCursor("name", "x".repeat(401), "id1"), "name")],
    ["not base64 JSON", () => decodeSortCursor("not-a-cursor", "name")],
    ["the old two-element cursor", () => decodeSortCursor(btoa(JSON.stringify(["2031-01-01T00:00:00.000Z", "id1"])), "recent")],
  ])("refuses %s with a 400", (_, decode) => {
    expect(decode).toThrow(ApiError);
    try {
      decode();
    } catch (error) {
      expect((error as ApiError).status).toBe(400);
    }
  });

  it("reads no cursor as the first page", () => {
    expect(decodeSortCursor(undefined, "name")).toBeUndefined();
  });
});
