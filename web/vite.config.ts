import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig, type ProxyOptions } from "vite";
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
    "/parties": { target: env.partyUrl, changeOrigin: true, ws: true },
  };
  return {
    plugins: [svelte()],
    server: { host: env.host, port: env.port, strictPort: true, proxy },
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
