import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startDatabase } from "../db/database.ts";
import type { StackUrls } from "../testing/context.ts";
import { freePort, type Service } from "./service.ts";
import { startParty, startWeb, startWorker } from "./servers.ts";

export { ROOT } from "./servers.ts";

export interface StackOptions {
  /** Use this Postgres; without it, an embedded one in `<dataDir>/postgres`. */
  databaseUrl?: string | undefined;
  /** Where local state lives: embedded Postgres, room storage, worker storage. */
  dataDir: string;
  /** Fixed ports (dev); 0 or missing picks a free port (tests). */
  ports?: Partial<Record<"web" | "worker" | "party" | "dbProxy", number>>;
  /** Start the Vite dev server too. */
  web?: boolean;
  quiet?: boolean;
  /** Extra room variables (strings). */
  partyVars?: Record<string, string>;
}

export interface Stack {
  urls: StackUrls;
  /** The services in start order; the party can be killed and restarted for crash tests. */
  services: Service[];
  stop(): Promise<void>;
}

/**
 * The whole editor on this machine: Postgres (embedded or given) behind its WebSocket proxy with migrations
 * applied, the party (`partykit dev`), the worker (`wrangler dev`) and optionally the web app (Vite).
 * `npm run dev` and the test suites start it the same way.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const port = async (name: keyof NonNullable<StackOptions["ports"]>) => options.ports?.[name] || (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const services: Service[] = [];
  const database = await startDatabase({
    databaseUrl: options.databaseUrl,
    dataDir: join(options.dataDir, "postgres"),
    proxyPort: options.ports?.dbProxy ?? 0,
  });
  const stop = async () => {
    await Promise.allSettled(services.reverse().map((service) => service.stop()));
    await database.stop();
  };
  try {
    const settings = { databaseUrl: database.databaseUrl, wsProxy: database.wsProxy, quiet: options.quiet };
    const [partyPort, workerPort, inspectorPort] = [await port("party"), await port("worker"), await freePort()];
    const started = await Promise.allSettled([
      startParty({ ...settings, port: partyPort, persistDir: join(options.dataDir, "party"), vars: options.partyVars }),
      startWorker({ ...settings, port: workerPort, inspectorPort, persistDir: join(options.dataDir, "worker") }),
    ]);
    // Keep whichever started, so that `stop` ends it when the other failed.
    for (const result of started) if (result.status === "fulfilled") services.push(result.value);
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    const partyUrl = `http://127.0.0.1:${partyPort}`;
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    let webUrl = "";
    if (options.web) {
      const webPort = await port("web");
      services.push(await startWeb({ port: webPort, workerUrl, partyUrl, quiet: options.quiet }));
      webUrl = `http://127.0.0.1:${webPort}`;
    }
    return { urls: { webUrl, workerUrl, partyUrl, databaseUrl: database.databaseUrl, wsProxy: database.wsProxy }, services, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
