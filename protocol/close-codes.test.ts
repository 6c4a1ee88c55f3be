import { describe, expect, it } from "vitest";
import { closeReason, MAX_CLOSE_REASON_BYTES } from "./close-codes.ts";

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

describe("closeReason", () => {
  it("keeps a reason that fits", () => {
    const reason = "x".repeat(MAX_CLOSE_REASON_BYTES);
    expect(closeReason(reason)).toBe(reason);
  });

  it("cuts a long ASCII reason to 123 bytes, ending with an ellipsis", () => {
    const cut = closeReason("y".repeat(500));
    expect(bytes(cut)).toBe(MAX_CLOSE_REASON_BYTES);
    expect(cut).toBe(`${"y".repeat(120)}…`);
  });

  it("never splits a multi-byte character", () => {
    for (const char of ["é", "€", "😀", "\uFFFD"]) {
      for (let prefix = 0; prefix < 4; prefix++) {
        const cut = closeReason("a".repeat(prefix) + char.repeat(100));
        expect(bytes(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
        expect(cut.endsWith("…")).toBe(true);
        expect(cut.includes("\uFFFD") && char !== "\uFFFD").toBe(false);
        expect(cut.slice(prefix, -1)).toBe(char.repeat((cut.length - prefix - 1) / char.length));
      }
    }
  });
});
