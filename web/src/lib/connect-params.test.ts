import { CloseCode, type RoomTokenResponse } from "@collab/protocol";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "./api/index.ts";
import { ConnectRefused, roomTokenParams } from "./connect-params.ts";

const token: RoomTokenResponse = { token: "t1", role: "viewer", expiresAt: "2026-01-01T00:05:00.000Z" };

describe("roomTokenParams", () => {
  it("fetches a fresh token for every attempt and reports its role", async () => {
    const fetchToken = vi.fn(async () => token);
    const onToken = vi.fn();
    const params = roomTokenParams("doc1", { fetchToken, onToken });
    expect(await params()).toEqual({ token: "t1" });
    expect(await params()).toEqual({ token: "t1" });
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(fetchToken).toHaveBeenCalledWith("doc1");
    expect(onToken).toHaveBeenCalledWith(token);
  });

  it.each([
    [403, CloseCode.Forbidden],
    [404, CloseCode.DocumentDeleted],
  ])("turns a %i into a refusal with the matching close code", async (status, code) => {
    const params = roomTokenParams("doc1", { fetchToken: async () => Promise.reject(new ApiError(status, "x", "no")) });
    const error = await params().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectRefused);
    expect(error).toMatchObject({ code, reason: "no" });
  });

  it("signs out on a 401 and stops", async () => {
    const onUnauthorized = vi.fn();
    const params = roomTokenParams("doc1", {
      fetchToken: async () => Promise.reject(new ApiError(401, "unauthorized", "gone")),
      onUnauthorized,
    });
    await expect(params()).rejects.toMatchObject({ code: CloseCode.Unauthorized });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it("passes an outage through, to be retried", async () => {
    const outage = new ApiError(503, "database_unavailable", "down");
    const params = roomTokenParams("doc1", { fetchToken: async () => Promise.reject(outage) });
    await expect(params()).rejects.toBe(outage);
  });
});
