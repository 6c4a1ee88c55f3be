import { ErrorCode } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import { ApiError, apiErrorFrom, fieldErrorsFrom, parseRetryAfter, userMessage } from "./errors.ts";

const body = (code: string, message: string, details?: unknown) => ({ error: { code, message, details } });

describe("apiErrorFrom", () => {
  it("keeps the contract's code and turns rate limits into a countdown", () => {
    const error = apiErrorFrom(429, body(ErrorCode.RateLimited, "slow down"), "17");
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 17 });
    expect(error.message).toBe("Too many attempts, try again in 17 s.");
  });

  it("gives validation errors per field, without the worker's location prefix", () => {
    const details = { fields: { "body.email": ["Email must be a valid address"], "body.password": ["Too short", "Too common"] } };
    const error = apiErrorFrom(400, body(ErrorCode.ValidationFailed, "Invalid request", details), null);
    expect(error.fields).toEqual({ email: ["Email must be a valid address"], password: ["Too short", "Too common"] });
    expect(error.message).toBe("Some fields need attention.");
  });

  it("shows a message about the whole body as the error itself", () => {
    const error = apiErrorFrom(400, body(ErrorCode.ValidationFailed, "Invalid", { fields: { body: ["Give a title or a language"] } }), null);
    expect(error.fields).toEqual({ "": ["Give a title or a language"] });
    expect(error.message).toBe("Give a title or a language");
  });

  it.each([
    [ErrorCode.InvalidCredentials, 401, "Wrong username, email or password."],
    [ErrorCode.Unauthorized, 401, "Your session has ended. Please sign in again."],
    [ErrorCode.Forbidden, 403, "You don't have permission to do that."],
    [ErrorCode.Internal, 500, "Something went wrong on our side. Try again in a moment."],
  ])("writes its own words for %s", (code, status, message) => {
    expect(apiErrorFrom(status, body(code, "raw server text"), null).message).toBe(message);
  });

  it.each([
    [ErrorCode.NotFound, 404, "No user named ada"],
    [ErrorCode.Conflict, 409, "That username is taken"],
    [ErrorCode.Gone, 410, "This link has expired"],
  ])("keeps the worker's specific message for %s", (code, status, message) => {
    expect(apiErrorFrom(status, body(code, message), null).message).toBe(message);
  });

  it.each([
    [401, "unauthorized"],
    [404, "not_found"],
    [410, "gone"],
    [429, "rate_limited"],
    [502, "unavailable"],
    [500, "internal"],
  ])("derives a code from status %i when the body is not the contract's", (status, code) => {
    const error = apiErrorFrom(status, "<html>Bad gateway</html>", null);
    expect(error.code).toBe(code);
    expect(error.fields).toEqual({});
  });

  it("tells a lost session from wrong credentials", () => {
    expect(apiErrorFrom(401, body(ErrorCode.Unauthorized, ""), null).isUnauthorized).toBe(true);
    expect(apiErrorFrom(401, body(ErrorCode.InvalidCredentials, ""), null).isUnauthorized).toBe(false);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    [null, undefined],
    ["", undefined],
    ["30", 30],
    [" 5 ", 5],
    ["Thu, 01 Jan 2026 00:00:42 GMT", 42],
    ["Wed, 31 Dec 2025 23:00:00 GMT", 0],
    ["soon", undefined],
  ])("%j -> %j", (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });
});

describe("fieldErrorsFrom", () => {
  it("ignores details that are not validation details", () => {
    expect(fieldErrorsFrom(undefined)).toEqual({});
    expect(fieldErrorsFrom({ id: "x" })).toEqual({});
  });

  it("strips query and params prefixes too", () => {
    expect(fieldErrorsFrom({ fields: { "query.limit": ["Too big"], "params.id": ["Bad id"] } })).toEqual({
      limit: ["Too big"],
      id: ["Bad id"],
    });
  });
});

describe("userMessage", () => {
  it("has a countdown-free text when Retry-After is missing", () => {
    expect(userMessage(ErrorCode.RateLimited)).toBe("Too many attempts, try again in a moment.");
  });
});
