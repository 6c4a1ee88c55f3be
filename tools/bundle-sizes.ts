import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "./stack/servers.ts";

/**
 * `npm run sizes`: the deploy dry runs CI makes, offline, and the sizes the README states.
 * - the worker, as `wrangler deploy --dry-run` bundles it, gzipped, against Cloudflare's limit;
 * - the web app's production build, and the JavaScript its first page loads, gzipped;
 * - the party, bundled with esbuild the way partykit deploy bundles it (partykit's own deploy needs a login).
 * Exits non-zero when a build fails or the worker is over the limit.
 */
/** Workers Free plan: 3 MB after compression (Paid: 10 MB). */
const WORKER_LIMIT_BYTES = 3 * 1024 * 1024;
const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);
const run = (command: string, args: string[], cwd = ROOT) =>
  execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
const gzip = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const out = mkdtempSync(join(tmpdir(), "collab-sizes-"));
try {
  run(bin("wrangler"), ["deploy", "--dry-run", "--outdir", join(out, "worker")]);
  // Every module wrangler uploads (the bundle and the text modules beside it: the API docs' assets), as
  // Cloudflare's limit counts them; source maps and the README it writes are not uploaded.
  const workerDir = join(out, "worker");
  const workerFiles = readdirSync(workerDir).filter((name) => !name.endsWith(".map") && name !== "README.md").map((name) => join(workerDir, name));
  const workerBytes = workerFiles.reduce((sum, file) => sum + statSync(file).size, 0);
  const workerGzip = workerFiles.reduce((sum, file) => sum + gzip(file), 0);

  run("npm", ["run", "-w", "web", "build"]);
  const dist = join(ROOT, "web", "dist");
  const html = readFileSync(join(dist, "index.html"), "utf8");
  // The entry script and the chunks it preloads: what the sign-in page needs before it runs.
  const firstLoad = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map((m) => join(dist, m[1]!));
  const firstLoadGzip = firstLoad.reduce((sum, file) => sum + gzip(file), 0);

  const partyFile = join(out, "party.js");
  run(bin("esbuild"), [
    "party/server.ts", "--bundle", "--minify", "--format=esm", "--platform=browser", "--target=es2022",
    "--conditions=workerd,worker,browser", "--external:node:*", "--external:cloudflare:*", `--outfile=${partyFile}`,
  ]);

  console.log(`worker (wrangler deploy --dry-run, ${workerFiles.length} modules)  ${kb(workerBytes)}, ${kb(workerGzip)} gzip (limit ${kb(WORKER_LIMIT_BYTES)} gzip)`);
  console.log(`web first load (${firstLoad.length} JS files)     ${kb(firstLoadGzip)} gzip`);
  console.log(`party (esbuild, minified)           ${kb(statSync(partyFile).size)}, ${kb(gzip(partyFile))} gzip`);
  if (workerGzip > WORKER_LIMIT_BYTES) {
    console.error(`The worker is over Cloudflare's limit.`);
    process.exitCode = 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
