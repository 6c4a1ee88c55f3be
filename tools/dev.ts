import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, randomSecrets, startStack } from "./stack/index.ts";
import type { Secrets } from "./stack/servers.ts";

/**
 * `npm run dev`: the whole editor on this machine, no cloud account and no internet. Without DATABASE_URL
 * an embedded Postgres (PGlite) keeps its data in .data/postgres; with it, that server is used. Every
 * variable is listed in the README's configuration table.
 */
const env = process.env;
const port = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) throw new Error(`${name} must be a port number, got "${env[name]}"`);
  return value;
};

/** Local secrets, generated on first run and kept with the local data (never committed: .data/ is ignored). */
function localSecrets(dataDir: string): Secrets {
  const file = join(dataDir, "secrets.json");
  // Files written before the proxy secret existed get one (and keep their other secrets).
  if (existsSync(file)) return { ...randomSecrets(), ...(JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>) } as Secrets;
  const secrets = randomSecrets();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  console.log(`generated local secrets in ${file}`);
  return secrets;
}

const dataDir = env.DATA_DIR ?? join(ROOT, ".data");
const stack = await startStack({
  databaseUrl: env.DATABASE_URL || undefined,
  dataDir,
  secrets: localSecrets(dataDir),
  ports: {
    web: port("WEB_PORT", 5173),
    worker: port("WORKER_PORT", 8787),
    party: port("PARTY_PORT", 1999),
    dbProxy: port("DB_PROXY_PORT", 5488),
  },
  web: true,
});

const { urls } = stack;
console.log(`
  collab-editor is running

  editor    ${urls.webUrl}
  api       ${urls.workerUrl}/api/health
  rooms     ${urls.partyUrl}/parties/main/:docId
  database  ${env.DATABASE_URL ? "DATABASE_URL" : "embedded Postgres (.data/postgres)"} via ws proxy ${urls.wsProxy}

  Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping...");
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
for (const service of stack.services) {
  service.child.on("exit", (code) => {
    if (stopping) return;
    console.error(`${service.name} exited (${code}); stopping the rest.`);
    void shutdown();
  });
}
