import { findDocument, pingDatabase } from "@collab/db";
import { ErrorCode, isValidDocId, type DocumentResponse, type HealthResponse } from "@collab/protocol";
import { Hono } from "hono";
import { withDatabase, type AppEnv } from "./database.ts";
import { ApiError, notFound, onError } from "./errors.ts";
import rootPackage from "../package.json" with { type: "json" };

const { version } = rootPackage;

/** The REST API. Every error leaves through `onError` with the shared error body. */
export function createApp() {
  const app = new Hono<AppEnv>().basePath("/api");
  app.onError(onError);
  app.notFound(notFound);
  app.use(withDatabase);

  app.get("/health", async (c) => {
    let database: HealthResponse["database"];
    try {
      database = { ok: true, latencyMs: await pingDatabase(c.var.db) };
    } catch (error) {
      console.error("health: database check failed:", error);
      database = { ok: false, error: "database unreachable" };
    }
    const body: HealthResponse = { status: database.ok ? "ok" : "degraded", version, database };
    return c.json(body, database.ok ? 200 : 503);
  });

  app.get("/documents/:id", async (c) => {
    const id = c.req.param("id");
    if (!isValidDocId(id)) {
      throw new ApiError(400, ErrorCode.InvalidDocumentId, "Invalid document id: use 1-64 of A-Z a-z 0-9 _ -", { id: id.slice(0, 80) });
    }
    const doc = await findDocument(c.var.db, id);
    if (!doc) throw new ApiError(404, ErrorCode.NotFound, `No document with id ${id}`);
    const body: DocumentResponse = { ...doc, updatedAt: doc.updatedAt.toISOString() };
    return c.json(body);
  });

  return app;
}
