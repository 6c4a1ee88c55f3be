import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, randomSecrets, startStack } from "./stack/index.ts";
import { launcherPids, watchLaunchers } from "./stack/ancestors.ts";
import { busyPorts, describeBusyPorts } from "./stack/ports.ts";
import type { Secrets } from "./stack/servers.ts";
import { superviseServices } from "./stack/supervise.ts";

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
  // Files written before a secret existed (the proxy secret, INTERNAL_SECRET) get it, kept from then on.
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>;
    const secrets = { ...randomSecrets(), ...stored } as Secrets;
    if (Object.keys(secrets).length !== Object.keys(stored).length) writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
  const secrets = randomSecrets();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  console.log(`generated local secrets in ${file}`);
  return secrets;
}

const dataDir = env.DATA_DIR ?? join(ROOT, ".data");
const ports = {
  web: port("WEB_PORT", 5173),
  worker: port("WORKER_PORT", 8787),
  party: port("PARTY_PORT", 1999),
  dbProxy: port("DB_PROXY_PORT", 5488),
};
// A second `npm run dev`, or servers left behind by an older one: say who holds the ports, not just "in use".
const busy = await busyPorts(ports);
if (busy.length) {
  console.error(describeBusyPorts(busy, { web: "WEB_PORT", worker: "WORKER_PORT", party: "PARTY_PORT", dbProxy: "DB_PROXY_PORT" }));
  process.exit(1);
}

const launchers = launcherPids();
let stopping = false;
// A closed terminal (SIGHUP) makes writes to it fail; that must not turn the shutdown into a crash.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
const stack = await startStack({
  databaseUrl: env.DATABASE_URL || undefined,
  dataDir,
  secrets: localSecrets(dataDir),
  ports,
  web: true,
  adminUsers: env.ADMIN_USERS || undefined,
});

const { urls } = stack;
console.log(`
  collab-editor is running

  editor    ${urls.webUrl}
  api       ${urls.workerUrl}/api/health
  metrics   ${urls.workerUrl}/api/metrics (Bearer: metricsToken in ${join(dataDir, "secrets.json")})
  rooms     ${urls.partyUrl}/parties/main/:docId
  database  ${env.DATABASE_URL ? "DATABASE_URL" : `embedded Postgres (${join(dataDir, "postgres")})`} via ws proxy ${urls.wsProxy}

  Ctrl-C stops everything.
`);

const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping...");
  await stack.stop();
  process.exit(0);
};
// Ctrl-C, `kill`, a closed terminal. A SIGKILL cannot be caught: each server's watchdog ends it then.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, shutdown);
// npm (or the `sh` it runs) killed outright: the user believes the servers gone, so they go.
watchLaunchers(launchers, () => void shutdown());
superviseServices({ services: stack.services, stopping: () => stopping, log: (line) => console.error(line) });
