import { renameSync, writeFileSync } from "node:fs";
import { startDatabase } from "../tools/db/database.ts";

/**
 * The collab server's database in a process of its own. Embedded Postgres (PGlite) is WebAssembly on the
 * main thread of whatever process hosts it: inside the load generator, every snapshot query would stall the
 * generator's event loop and show up as delivery latency. Writes the URLs as JSON to OUT_FILE once ready,
 * then serves until SIGTERM.
 */
const [dataDir, outFile] = process.argv.slice(2);
if (!dataDir || !outFile) throw new Error("usage: database-process.ts DATA_DIR OUT_FILE");
const database = await startDatabase({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir, proxyPort: Number(process.env.PROXY_PORT ?? 0) });
// Written aside and renamed: the bench starts reading once the file exists, and a file written in place can
// exist before its content does (a start failed on "Unexpected end of JSON input").
writeFileSync(`${outFile}.tmp`, JSON.stringify({ databaseUrl: database.databaseUrl, wsProxy: database.wsProxy }));
renameSync(`${outFile}.tmp`, outFile);
const stop = async () => {
  await database.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
