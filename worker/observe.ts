import { createLogger, type Logger } from "@collab/protocol";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { AppEnv } from "./context.ts";
import { httpMetrics } from "./http-metrics.ts";

/** An id a client or Cloudflare sent is kept only if it looks like one: it goes into every log line. */
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/** Used only when the configuration could not be read (the line still says which request failed). */
const fallbackLog = createLogger({ level: "info" });

/**
 * First on every request: a request id (Cloudflare's `cf-ray`, else a fresh one), echoed as `x-request-id`
 * and put on every log line of the request; the request counted and timed by route pattern and status
 * for /api/metrics; and one `debug` line per request (the terminal stays quiet at the default `info`).
 */
export const observe = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const given = c.req.header("cf-ray");
  const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  c.set("requestId", requestId);
  await next();
  // Inside workerd, Date.now() advances only across I/O: what it measures is the time spent waiting.
  const seconds = (Date.now() - started) / 1000;
  const route = routeOf(c);
  httpMetrics.observe(c.req.method, route, c.res.status, seconds);
  requestLog(c).debug("request", { method: c.req.method, route, status: c.res.status, ms: Math.round(seconds * 1000) });
  try {
    c.res.headers.set("x-request-id", requestId);
  } catch {
    // Headers of a response passed through as is are immutable: copy it.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set("x-request-id", requestId);
  }
});

/** The request's logger: every line carries `requestId`. */
export function requestLog(c: Context<AppEnv>): Logger {
  return c.get("log") ?? fallbackLog.child({ requestId: c.get("requestId") });
}

/** The matched route's pattern, e.g. `/api/documents/:id`; `unmatched` for a 404 without a route. */
function routeOf(c: Context<AppEnv>): string {
  const path = routePath(c, -1);
  return !path || path.includes("*") ? "unmatched" : path;
}
