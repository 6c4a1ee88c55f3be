import { svelte } from "@sveltejs/vite-plugin-svelte";
import type { Socket } from "node:net";
import { createLogger, defineConfig, type ProxyOptions } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import { readDevEnv } from "./dev-env.ts";

export default defineConfig(() => {
  const env = readDevEnv(process.env);
  // The browser talks to one origin only; Vite forwards the API and the rooms. Same-origin keeps cookies,
  // CORS and the WebSocket URL trivial, and matches production, where one domain routes both.
  const proxy: Record<string, ProxyOptions> = {
    // Cloudflare's edge tells the worker who is calling (cf-connecting-ip), and rate limits key on it; the
    // dev proxy does the same, vouching with TRUSTED_PROXY_SECRET (the worker ignores the header without
    // it), or every local user would share one limit. A header the client sent is replaced, unless
    // WEB_FORWARD_CLIENT_IP=1 (browser tests, which give each simulated person an address).
    "/api": {
      target: env.workerUrl,
      changeOrigin: true,
      configure: (proxy) =>
        proxy.on("proxyReq", (request, incoming) => {
          if (!env.forwardClientIp || !request.getHeader("cf-connecting-ip")) request.setHeader("cf-connecting-ip", incoming.socket.remoteAddress ?? "unknown");
          if (env.proxySecret) request.setHeader("x-proxy-secret", env.proxySecret);
          else request.removeHeader("x-proxy-secret");
        }),
    },
    "/parties": { target: env.partyUrl, changeOrigin: true, ws: true, configure: (proxy) => proxy.on("proxyReqWs", passResetsOn) },
  };
  return {
    plugins: [svelte(), offlineAppShell()],
    customLogger: quietLogger(),
    server: { host: env.host, port: env.port, strictPort: true, proxy },
    // Crawl every module for dependencies up front: one found only when a page first imports it (a language
    // loaded on demand) makes Vite re-optimize and reload the open page ("504 Outdated Optimize Dep").
    optimizeDeps: { entries: ["index.html", "src/**/*.svelte", "src/**/*.ts", "!src/**/*.test.ts"] },
    preview: { host: env.host, port: env.port, strictPort: true, proxy },
    build: {
      outDir: "dist",
      target: "es2022",
      rolldownOptions: {
        output: { chunkFileNames: chunkFileName },
      },
      // The entry holds the Svelte runtime, the contract's schemas and the sign-in and list pages (~60 kB
      // gzip); the editor page (CodeMirror's view and state, Yjs: ~150 kB gzip) loads when a document opens,
      // and each language's support when a document uses it.
      chunkSizeWarningLimit: 600,
    },
  };
});

/** A dropped connection, not a fault: a tab closed, a laptop slept, a server restarted. */
const DROPPED = new Set(["ECONNRESET", "EPIPE", "ECONNREFUSED", "ECONNABORTED"]);

/**
 * Vite's logger, minus the stack trace it prints for every room socket that ends abruptly ("ws proxy error:
 * read ECONNRESET" each time a tab closes). Every other error still shows.
 */
function quietLogger() {
  const logger = createLogger();
  const error = logger.error.bind(logger);
  logger.error = (message, options) => {
    const code = (options?.error as NodeJS.ErrnoException | undefined)?.code;
    if (code && DROPPED.has(code) && /ws proxy/.test(message)) return;
    error(message, options);
  };
  return logger;
}

/**
 * A browser that vanishes resets its connection; Vite's proxy would answer by half-closing the party's side
 * (end()), which the party reports as an error ("Network connection lost"). Dropping that connection at
 * once tells the party what happened: the peer is gone.
 */
function passResetsOn(proxyRequest: { on(event: "upgrade", listener: (response: unknown, upstream: Socket) => void): void }, _request: unknown, client: Socket) {
  proxyRequest.on("upgrade", (_response, upstream) => {
    client.on("error", () => upstream.destroy());
  });
}

/**
 * Names split-out chunks after the package they hold (`codemirror-lang-python-[hash].js`) rather than after
 * the entry file (`dist-[hash].js`), so the build output shows at a glance what was split out. A chunk
 * shared by several languages (e.g. the Lezer parser runtime) takes its first package's name; a chunk with
 * the app's own code (the editor page) keeps its module's name.
 */
function chunkFileName(chunk: { name: string; moduleIds: string[] }): string {
  if (chunk.moduleIds.some((id) => id.includes("/web/src/"))) return `assets/${chunk.name}-[hash].js`;
  const packages = chunk.moduleIds.flatMap((id) => {
    const match = /node_modules\/(?:@([^/]+)\/)?([^/]+)\//.exec(id);
    return match ? [match[1] ? `${match[1]}-${match[2]}` : match[2]!] : [];
  });
  const name = packages.find((pkg) => pkg.includes("lang-")) ?? packages[0] ?? chunk.name;
  return `assets/${name}-[hash].js`;
}

/**
 * The app shell offline: a production build registers a service worker (Workbox, generated at build time;
 * nothing is fetched at run time) that precaches every built file, the editor and every language chunk
 * included, and answers navigations (`/d/:id`, `/login`, ...) with `index.html`, so a document opens with no
 * network and shows its local copy. `/api` and `/parties` are never cached: the worker and the rooms answer
 * those, or nothing does. `npm run dev` has no service worker (the plugin's dev mode stays off), so a stale
 * cache can never hide a code change there.
 */
function offlineAppShell() {
  return VitePWA({
    registerType: "autoUpdate",
    injectRegister: "script",
    manifest: false,
    devOptions: { enabled: false },
    workbox: {
      globPatterns: ["**/*.{js,css,html,svg,png,ico,woff2}"],
      navigateFallback: "/index.html",
      navigateFallbackDenylist: [/^\/api\//, /^\/parties\//],
      // The editor chunk (CodeMirror + Yjs) is larger than Workbox's 2 MiB default would allow.
      maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
      cleanupOutdatedCaches: true,
    },
  });
}
