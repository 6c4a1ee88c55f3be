/**
 * The dev (and preview) server's configuration, read once from the environment when Vite starts. A bad value
 * stops start-up with a message naming the variable, instead of a server that listens somewhere unexpected.
 *
 * @example
 * readDevEnv({ WEB_PORT: "5174" }).port // 5174
 */
export interface DevEnv {
  host: string;
  port: number;
  /** Where `/api` goes: the worker (`wrangler dev`). */
  workerUrl: string;
  /** Where `/parties` goes, WebSockets included: the party (`partykit dev`). */
  partyUrl: string;
  /** The worker's TRUSTED_PROXY_SECRET: the proxy vouches for the `cf-connecting-ip` it sets. */
  proxySecret: string | undefined;
  /** WEB_FORWARD_CLIENT_IP=1: keep a client-sent `cf-connecting-ip` (browser tests only). */
  forwardClientIp: boolean;
}

export function readDevEnv(env: Record<string, string | undefined>): DevEnv {
  return {
    host: env.WEB_HOST || "127.0.0.1",
    port: readPort(env, "WEB_PORT", 5173),
    workerUrl: readHttpUrl(env, "WORKER_URL", "http://127.0.0.1:8787"),
    partyUrl: readHttpUrl(env, "PARTY_URL", "http://127.0.0.1:1999"),
    proxySecret: env.TRUSTED_PROXY_SECRET || undefined,
    forwardClientIp: env.WEB_FORWARD_CLIENT_IP === "1",
  };
}

function readPort(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number between 1 and 65535, got "${raw}"`);
  }
  return port;
}

function readHttpUrl(env: Record<string, string | undefined>, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL such as ${fallback}, got "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${name} must use http: or https: (the proxy upgrades to WebSocket itself), got "${raw}"`);
  }
  return url.origin;
}
