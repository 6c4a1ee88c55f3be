import type { Context } from "hono";
import type { AppEnv } from "../context.ts";

/** The header a trusted proxy sends with `cf-connecting-ip` to prove it is that proxy. */
export const PROXY_SECRET_HEADER = "x-proxy-secret";
/** The bucket of every request whose address cannot be trusted. */
export const UNTRUSTED_CLIENT = "untrusted";

/**
 * The caller's address, for rate limits. `cf-connecting-ip` is only as good as whoever set it:
 * - behind Cloudflare (`TRUST_CF_CONNECTING_IP=true`, production), the edge overwrites whatever the client
 *   sent, so it is the address;
 * - otherwise only a proxy that proves itself with `TRUSTED_PROXY_SECRET` (the dev Vite proxy, the test
 *   tooling) may set it;
 * - anything else (a client talking to `wrangler dev` directly, spoofing the header) shares one bucket, so
 *   inventing addresses buys an attacker nothing.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const { trustCloudflare, proxySecret } = c.var.config.clientIp;
  const forwarded = c.req.header("cf-connecting-ip");
  if (!forwarded) return UNTRUSTED_CLIENT;
  if (trustCloudflare) return forwarded;
  const proof = c.req.header(PROXY_SECRET_HEADER);
  return proxySecret && proof && constantTimeEqual(proof, proxySecret) ? forwarded : UNTRUSTED_CLIENT;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
