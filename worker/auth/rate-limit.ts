import { ErrorCode } from "@collab/protocol";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

/** The rate-limit binding's window (wrangler.toml `[[ratelimits]]`: simple.period). */
const PERIOD_SECONDS = 60;

/**
 * Login and registration are limited per client IP and per account name, through the Workers rate-limiting
 * binding (counted at the edge; miniflare simulates it under `wrangler dev`). Either limit answers 429
 * with `Retry-After`.
 */
export async function limitAuthAttempts(c: Context<AppEnv>, action: "login" | "register", account: string): Promise<void> {
  const ip = c.req.header("cf-connecting-ip") ?? "unknown";
  const limiter = c.var.config.rateLimit;
  const [byIp, byAccount] = await Promise.all([
    limiter.limit({ key: `${action}:ip:${ip}` }),
    limiter.limit({ key: `${action}:account:${account.toLowerCase()}` }),
  ]);
  if (!byIp.success || !byAccount.success) {
    throw new ApiError(429, ErrorCode.RateLimited, `Too many ${action} attempts; try again in a minute`, {
      headers: { "Retry-After": String(PERIOD_SECONDS) },
    });
  }
}
