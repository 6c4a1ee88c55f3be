import { Hono } from "hono";
// Text modules (wrangler.toml [[rules]]): the files' contents, bundled into the worker, so the docs render
// with no network beyond this API. swagger-ui-dist ships prebuilt and has no runtime dependencies.
import bundle from "swagger-ui-dist/swagger-ui-bundle.js";
import styles from "swagger-ui-dist/swagger-ui.css";
import type { AppEnv } from "../context.ts";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>collab-editor API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<main id="docs" aria-label="API reference"></main>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>`;

// A file of its own rather than an inline script, so a strict Content-Security-Policy can allow 'self' only.
const INIT = `SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#docs", deepLinking: true, tryItOutEnabled: false });`;

/** The docs UI's assets change only with the package: a day in caches, revalidated by the ETag after. */
const ASSET_CACHE = "public, max-age=86400";

/**
 * Interactive API docs at `/api/docs`: Swagger UI over `/api/openapi.json`, every asset served from here
 * (the previous docs page loaded its script from a CDN and was blank offline).
 */
export const docsRoutes = new Hono<AppEnv>()
  .get("/docs", (c) => c.html(PAGE))
  .get("/docs/swagger-ui.css", (c) => c.body(styles, 200, { "content-type": "text/css; charset=utf-8", "cache-control": ASSET_CACHE }))
  .get("/docs/swagger-ui-bundle.js", (c) => c.body(bundle, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": ASSET_CACHE }))
  .get("/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": ASSET_CACHE }));
