import { ErrorBody, HealthResponse } from "@collab/protocol";
import { describe, expect, inject, it } from "vitest";
import rootPackage from "../package.json" with { type: "json" };

// The worker under `wrangler dev` (workerd), talking to the real database through the Neon driver.
// The REST API's own suites are the other worker/*.test.ts; worker/openapi.test.ts holds the document to
// the routes the app registers.
const { workerUrl } = inject("stack");

describe("GET /api/health", () => {
  it("reports the version and a reachable database", async () => {
    const response = await fetch(`${workerUrl}/api/health`);
    expect(response.status).toBe(200);
    const body = HealthResponse.parse(await response.json());
    expect(body).toMatchObject({ status: "ok", version: rootPackage.version, database: { ok: true } });
  });
});

describe("unknown routes", () => {
  it("answer with a JSON 404", async () => {
    const response = await fetch(`${workerUrl}/api/nope`);
    expect(response.status).toBe(404);
    expect(ErrorBody.parse(await response.json()).error.code).toBe("not_found");
  });
});

describe("the OpenAPI document and its docs page", () => {
  it("describes every route", async () => {
    const response = await fetch(`${workerUrl}/api/openapi.json`);
    expect(response.status).toBe(200);
    const spec = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(spec.openapi).toBe("3.1.0");
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    // The exact set: a route added to the app must be documented, and added here (worker/openapi.test.ts
    // checks the document against the routes the app registers, in-process).
    expect(routes.sort()).toEqual(
      [
        "GET /api/health",
        "POST /api/auth/register", "POST /api/auth/login", "POST /api/auth/logout", "GET /api/auth/me",
        "POST /api/documents", "GET /api/documents", "GET /api/documents/{id}", "PUT /api/documents/{id}",
        "PATCH /api/documents/{id}", "DELETE /api/documents/{id}", "POST /api/documents/{id}/restore", "GET /api/documents/{id}/users",
        "GET /api/documents/{id}/members", "POST /api/documents/{id}/members", "PATCH /api/documents/{id}/members/{userId}",
        "DELETE /api/documents/{id}/members/{userId}", "GET /api/documents/{id}/links", "POST /api/documents/{id}/links",
        "DELETE /api/documents/{id}/links/{linkId}", "POST /api/share/{token}/accept", "POST /api/documents/{id}/token",
        "GET /api/presence", "GET /api/presence/stream",
        "GET /api/metrics", "GET /api/admin/rooms", "POST /api/admin/rooms/{id}/snapshot", "POST /api/admin/rooms/{id}/close",
        "GET /api/documents/{id}/versions", "POST /api/documents/{id}/versions", "GET /api/documents/{id}/versions/{versionId}",
        "POST /api/documents/{id}/versions/{versionId}/restore", "DELETE /api/documents/{id}/versions/{versionId}",
        "GET /api/documents/{id}/authorship",
      ].sort(),
    );
  });

  it("serves interactive docs at /api/docs, with every asset from the API itself", async () => {
    const response = await fetch(`${workerUrl}/api/docs`);
    expect(response.status).toBe(200);
    const page = await response.text();
    const assets = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith("/api/docs/")).toBe(true);
      const served = await fetch(`${workerUrl}${asset}`);
      expect(served.status).toBe(200);
      expect((await served.text()).length).toBeGreaterThan(0);
    }
    const init = await (await fetch(`${workerUrl}/api/docs/init.js`)).text();
    expect(init).toContain("/api/openapi.json");
  });
});
