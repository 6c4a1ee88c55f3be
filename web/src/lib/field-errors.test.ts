import { RegisterRequest } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import { fieldErrorsFromIssues } from "./field-errors.ts";

describe("fieldErrorsFromIssues", () => {
  it("keys the contract's own messages by field", () => {
    const result = RegisterRequest.safeParse({ username: "a!", email: "nope", password: "short" });
    expect(result.success).toBe(false);
    const fields = fieldErrorsFromIssues(result.error!.issues);
    expect(fields.username).toContain("Username must be at least 3 characters");
    expect(fields.email).toEqual(["Email must be a valid address"]);
    expect(fields.password).toEqual(["Password must be at least 10 characters"]);
    expect(fields.displayName).toBeUndefined();
  });

  it("puts whole-value issues under the empty name and drops duplicates", () => {
    const issue = { path: [], message: "Give a title or a language" };
    expect(fieldErrorsFromIssues([issue, issue])).toEqual({ "": ["Give a title or a language"] });
  });
});
