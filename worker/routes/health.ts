import { pingDatabase } from "@collab/db";
import { HealthResponse } from "@collab/protocol";
import { createRoute } from "@hono/zod-openapi";
import rootPackage from "../../package.json" with { type: "json" };
import { json, router } from "./openapi.ts";

export const healthRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/health",
    tags: ["health"],
    summary: "Version, and whether the database answers",
    responses: { 200: json(HealthResponse, "Healthy"), 503: json(HealthResponse, "The database does not answer") },
  }),
  async (c) => {
    let database: HealthResponse["database"];
    try {
      database = { ok: true, latencyMs: await pingDatabase(c.var.db) };
    } catch (error) {
      c.var.log.error("health: database check failed", { error });
      database = { ok: false, error: "database unreachable" };
    }
    const body: HealthResponse = { status: database.ok ? "ok" : "degraded", version: rootPackage.version, database };
    return c.json(body, database.ok ? 200 : 503);
  },
);
