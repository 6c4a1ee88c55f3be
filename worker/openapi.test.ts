import { describe, expect, it } from "vitest";
import { createApp } from "./app.ts";

/** Served on purpose without an entry in the OpenAPI document: the document itself, its docs page and assets. */
const UNDOCUMENTED = ["GET /api/openapi.json", "GET /api/docs", "GET /api/docs/swagger-ui.css", "GET /api/docs/swagger-ui-bundle.js", "GET /api/docs/init.js"];

describe("the OpenAPI document", () => {
  it("documents exactly the routes the app serves", () => {
    const app = createApp();
    // Hono lists each route once per handler (middleware included); `ALL /api/*` is the app-wide middleware.
    const served = new Set(app.routes.filter((route) => route.method !== "ALL").map((route) => `${route.method} ${route.path}`));
    const spec = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "collab-editor API", version: "test" } });
    const documented = Object.entries(spec.paths ?? {}).flatMap(([path, methods]) =>
      Object.keys(methods ?? {}).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect(documented.sort()).toEqual([...served].filter((route) => !UNDOCUMENTED.includes(route)).sort());
    for (const route of UNDOCUMENTED) expect(served, route).toContain(route);
  });

  it("documents the writer records of GET /documents/{id}/authorship, which browsers compute the lines from", () => {
    const spec = createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "collab-editor API", version: "test" } });
    const answer = spec.paths?.["/api/documents/{id}/authorship"]?.get?.responses?.["200"] as { content: { "application/json": { schema: Schema } } };
    const schema = answer.content["application/json"].schema;
    expect(schema.required).toEqual(["lines", "writers"]);
    const writer = schema.properties!.writers!.items!;
    expect(writer.required).toEqual(["clientId", "user", "firstSeen", "stretches"]);
    expect(writer.properties!.stretches!.items).toMatchObject({ type: "array", minItems: 2, maxItems: 2 });
  });
});

interface Schema {
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  type?: string;
  minItems?: number;
  maxItems?: number;
}
