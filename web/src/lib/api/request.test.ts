import { MeResponse } from "@collab/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./errors.ts";
import { NoContent, request } from "./request.ts";

const user = { id: "u1", username: "ada", email: "ada@example.com", displayName: "Ada", color: "#e6194b" };

function fakeFetch(response: Response | Error) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const impl = async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    if (response instanceof Error) throw response;
    return response;
  };
  return { calls, fetch: impl as typeof fetch };
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json", ...headers } });

describe("request", () => {
  // request() logs failures for developers; keep the test output for test results.
  beforeEach(() => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  it("sends JSON with the session cookie and parses the answer with the contract", async () => {
    const { calls, fetch } = fakeFetch(json(200, { user }));
    const result = await request("POST", "/auth/me", MeResponse, { body: { a: 1 }, query: { x: "1", y: undefined }, fetch });
    expect(result).toEqual({ user });
    expect(calls[0]!.url).toBe("/api/auth/me?x=1");
    expect(calls[0]!.init).toMatchObject({ method: "POST", body: '{"a":1}', credentials: "same-origin" });
    expect(calls[0]!.init?.headers).toMatchObject({ "content-type": "application/json" });
  });

  it("accepts an empty 204", async () => {
    const { fetch } = fakeFetch(new Response(null, { status: 204 }));
    await expect(request("DELETE", "/documents/x", NoContent, { fetch })).resolves.toBeUndefined();
  });

  it("turns an error answer into an ApiError with the Retry-After countdown", async () => {
    const { fetch } = fakeFetch(json(429, { error: { code: "rate_limited", message: "no" } }, { "retry-after": "9" }));
    const error = await request("POST", "/auth/login", MeResponse, { fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: "rate_limited", message: "Too many attempts, try again in 9 s." });
  });

  it("turns no answer into status 0", async () => {
    const { fetch } = fakeFetch(new TypeError("Failed to fetch"));
    await expect(request("GET", "/auth/me", MeResponse, { fetch })).rejects.toMatchObject({ status: 0, code: "network_error" });
  });

  it("refuses an answer that breaks the contract", async () => {
    const { fetch } = fakeFetch(json(200, { user: { id: 1 } }));
    await expect(request("GET", "/auth/me", MeResponse, { fetch })).rejects.toMatchObject({ status: 200, code: "bad_response" });
  });

  it("rethrows an abort as it is", async () => {
    const controller = new AbortController();
    controller.abort();
    const { fetch } = fakeFetch(new DOMException("aborted", "AbortError"));
    await expect(request("GET", "/auth/me", MeResponse, { fetch, signal: controller.signal })).rejects.toHaveProperty("name", "AbortError");
  });
});
