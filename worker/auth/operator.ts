import { ErrorCode } from "@collab/protocol";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { requireUser } from "./session.ts";

/**
 * `GET /api/metrics`: the METRICS_TOKEN as a Bearer token, nothing else. 404 while no token is configured
 * (the endpoint does not exist then), 401 without it or with another.
 */
export const requireMetricsToken = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.var.config.metricsToken;
  if (!expected) throw new ApiError(404, ErrorCode.NotFound, "Metrics are off: set METRICS_TOKEN");
  if (!(await hasToken(c, expected))) throw new ApiError(401, ErrorCode.Unauthorized, "Send the metrics token as a Bearer token");
  await next();
});

/**
 * The admin endpoints: the METRICS_TOKEN as a Bearer token, or the session of a user named in ADMIN_USERS
 * (401 without a session, 403 for anyone else).
 */
export const requireOperator = createMiddleware<AppEnv>(async (c, next) => {
  const token = c.var.config.metricsToken;
  if (token && (await hasToken(c, token))) return next();
  await requireUser(c, async () => {
    if (!c.var.config.adminUsers.has(c.var.user.username.toLowerCase())) throw new ApiError(403, ErrorCode.Forbidden, "Only administrators may do this");
    await next();
  });
});

async function hasToken(c: Context<AppEnv>, expected: string): Promise<boolean> {
  const header = c.req.header("authorization");
  if (!header?.startsWith("Bearer ")) return false;
  return sameSecret(header.slice(7).trim(), expected);
}

/**
 * Constant-time comparison: both sides are hashed first, so neither the position of the first difference
 * nor the length of the secret shows in the time taken.
 */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const digest = async (text: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
