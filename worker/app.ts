import { bodyLimit } from "hono/body-limit";
import rootPackage from "../package.json" with { type: "json" };
import { withContext } from "./context.ts";
import { observe } from "./observe.ts";
import { ApiError, notFound, onError } from "./errors.ts";
import { ErrorCode } from "@collab/protocol";
import { authRoutes } from "./routes/auth.ts";
import { docsRoutes } from "./routes/docs.ts";
import { documentRoutes } from "./routes/documents.ts";
import { healthRoutes } from "./routes/health.ts";
import { operationsRoutes } from "./routes/operations.ts";
import { router } from "./routes/openapi.ts";
import { presenceRoutes } from "./routes/presence.ts";
import { sharingRoutes } from "./routes/sharing.ts";
import { authorshipRoutes, versionRoutes } from "./routes/versions.ts";

/** Request bodies over this are refused with 413 before anything reads them. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The REST API under /api. Every route is declared from the contract's zod schemas, which both validate
 * requests and produce the OpenAPI document; every error leaves through `onError` with the shared body.
 */
export function createApp() {
  const app = router().basePath("/api");
  app.onError(onError);
  app.notFound(notFound);
  app.use(observe);
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new ApiError(413, ErrorCode.PayloadTooLarge, "Request body is larger than 1 MB"); } }));
  app.use(withContext);
  app.route("/", healthRoutes);
  app.route("/", authRoutes);
  app.route("/", documentRoutes);
  app.route("/", sharingRoutes);
  app.route("/", presenceRoutes);
  app.route("/", versionRoutes);
  app.route("/", authorshipRoutes);
  app.route("/", operationsRoutes);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "collab-editor API",
      version: rootPackage.version,
      description: "Accounts, documents, sharing and room tokens. Errors: `{ error: { code, message, details? } }`.",
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "http",
    scheme: "bearer",
    description: "The token from register/login (browsers send the session cookie instead)",
  });
  app.route("/", docsRoutes);
  app.openAPIRegistry.registerComponent("securitySchemes", "metricsToken", {
    type: "http",
    scheme: "bearer",
    description: "METRICS_TOKEN from the worker's configuration: /api/metrics and the admin endpoints",
  });
  return app;
}
