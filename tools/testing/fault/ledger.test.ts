import { describe, expect, it } from "vitest";
import { Ledger, token, tokensIn } from "./ledger.ts";

describe("the ledger of acknowledged edits", () => {
  it("finds the tokens of a text with their offsets", () => {
    expect(tokensIn(`${token(1, 2)}${token(10, 0)}`)).toEqual([
      { token: "[c1.2]", start: 0, end: 6 },
      { token: "[c10.0]", start: 6, end: 13 },
    ]);
  });

  it("counts a token as acknowledged only when someone other than its author received it", () => {
    const ledger = new Ledger();
    ledger.received(1, token(1, 0));
    expect(ledger.lostFrom("")).toEqual([]);
    expect(ledger.relayed).toEqual(new Set());
    ledger.received(2, token(1, 0) + token(3, 5));
    expect(ledger.lostFrom(token(3, 5))).toEqual(["[c1.0]"]);
    // Whose writing the room relayed: the ids a forger may know.
    expect(ledger.relayed).toEqual(new Set([1, 3]));
  });

  it("does not count a token deleted on purpose as lost", () => {
    const ledger = new Ledger();
    ledger.received(2, token(1, 0));
    ledger.removed([token(1, 0)]);
    expect(ledger.lostFrom("")).toEqual([]);
  });
});
