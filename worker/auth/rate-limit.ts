import { ErrorCode } from "@collab/protocol";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { clientAddress } from "./client-ip.ts";

/** The rate-limit bindings' window (wrangler.toml `[[ratelimits]]`: simple.period). */
const PERIOD_SECONDS = 60;
/** While an account is under attack, every login attempt for it takes at least this long. */
export const ACCOUNT_SLOWDOWN_MS = 1_000;

/** Accounts with too many failed logins this minute, until when (per isolate). */
const slowedAccounts = new Map<string, number>();

/**
 * Login limits that never hand an attacker a switch to lock the real owner out (OWASP's guidance against
 * account lockout; the same shape as major identity providers' "smart lockout"):
 * - per address and account (10 a minute, AUTH_RATE_LIMIT): one source guessing one password is refused;
 * - per address (30 a minute, AUTH_IP_RATE_LIMIT): one source spraying many accounts is refused;
 * - per account, across addresses (10 failures a minute): not refused, SLOWED. Every attempt for that
 *   account, right password or not, waits {@link ACCOUNT_SLOWDOWN_MS} before it is checked, so a
 *   distributed guesser gets one guess per second per connection, and the owner, from a new address,
 *   still gets in.
 * Addresses come from {@link clientAddress}: a spoofed `cf-connecting-ip` counts as one shared address.
 */
export async function limitLogin(c: Context<AppEnv>, account: string): Promise<void> {
  const ip = clientAddress(c);
  const name = account.trim().toLowerCase();
  const { rateLimit, ipRateLimit } = c.var.config;
  const [pair, byIp] = await Promise.all([rateLimit.limit({ key: `login:${ip}:${name}` }), ipRateLimit.limit({ key: `login:ip:${ip}` })]);
  if (!pair.success || !byIp.success) throw tooMany("login");
  const slowedUntil = slowedAccounts.get(name);
  if (slowedUntil !== undefined) {
    if (slowedUntil > Date.now()) await new Promise((resolve) => setTimeout(resolve, ACCOUNT_SLOWDOWN_MS));
    else slowedAccounts.delete(name);
  }
}

/** Counts a failed login against its account; past the limit the account is slowed for a window. */
export async function loginFailed(c: Context<AppEnv>, account: string): Promise<void> {
  const name = account.trim().toLowerCase();
  const { success } = await c.var.config.rateLimit.limit({ key: `login-failures:${name}` });
  if (!success) {
    if (slowedAccounts.size > 10_000) slowedAccounts.clear();
    slowedAccounts.set(name, Date.now() + PERIOD_SECONDS * 1000);
  }
}

/** Registration: 10 a minute per address (a spoofed header counts as one shared address). */
export async function limitRegistration(c: Context<AppEnv>): Promise<void> {
  const { success } = await c.var.config.rateLimit.limit({ key: `register:ip:${clientAddress(c)}` });
  if (!success) throw tooMany("register");
}

function tooMany(action: string): ApiError {
  return new ApiError(429, ErrorCode.RateLimited, `Too many ${action} attempts; try again in a minute`, {
    headers: { "Retry-After": String(PERIOD_SECONDS) },
  });
}
