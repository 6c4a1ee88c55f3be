import { describe, expect, it } from "vitest";
import { DOC_ID_PATTERN, InvalidDocIdError, isValidDocId, newDocId, parseDocId } from "./doc-id.ts";
import { docIdFromPagePath, documentPagePath, roomPath } from "./rooms.ts";

describe("document ids", () => {
  it.each(["a", "demo", "my-notes_2", "x".repeat(64), "V1StGXR8_Z5jdHi6B-myT"])("accepts %s", (id) => {
    expect(isValidDocId(id)).toBe(true);
    expect(parseDocId(id)).toBe(id);
  });

  it.each(["", "x".repeat(65), "../etc", "a b", "a/b", "é", "a%20b", "🎈", "'; drop table documents; --", 42, null])("rejects %j", (id) => {
    expect(isValidDocId(id)).toBe(false);
    expect(() => parseDocId(id)).toThrow(InvalidDocIdError);
  });

  it("makes new ids that are valid, 21 characters and distinct", () => {
    const ids = new Set(Array.from({ length: 1000 }, newDocId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(DOC_ID_PATTERN), expect(id).toHaveLength(21);
  });

  it("builds and parses the paths that carry ids", () => {
    expect(roomPath("demo")).toBe("/parties/main/demo");
    expect(documentPagePath("demo")).toBe("/d/demo");
    expect(docIdFromPagePath("/d/demo")).toBe("demo");
    expect(docIdFromPagePath("/d/demo/")).toBe("demo");
    expect(docIdFromPagePath("/x/demo")).toBeUndefined();
    expect(() => roomPath("../x")).toThrow(InvalidDocIdError);
  });
});
