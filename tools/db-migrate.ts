import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { startDatabase } from "./db/database.ts";
import { redactDatabaseUrl } from "./db/database-url.ts";

/**
 * `npm run db:migrate`: applies migrations/ to the database DATABASE_URL names, or, when it is unset, to
 * the embedded database in .data/postgres (the one `npm run dev` uses). Both go through the app's own
 * driver behind the local WebSocket proxy, exactly as the app will reach them.
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const dataDir = `${root}.data/postgres`;
// An empty DATABASE_URL= line in a shell or .env means "unset", not "a URL that is empty".
const databaseUrl = process.env.DATABASE_URL || undefined;

try {
  const database = await startDatabase({ databaseUrl, dataDir });
  try {
    const where =
      database.kind === "external"
        ? `DATABASE_URL (${redactDatabaseUrl(database.databaseUrl)})`
        : `the embedded database in ${relative(process.cwd(), dataDir) || dataDir}`;
    const { appliedMigrations } = database;
    console.log(
      appliedMigrations.length > 0
        ? `Applied ${appliedMigrations.length} migration(s) to ${where}: ${appliedMigrations.join(", ")}`
        : `${where[0]!.toUpperCase()}${where.slice(1)} is up to date; no migration to apply.`,
    );
  } finally {
    await database.stop();
  }
} catch (error) {
  console.error(`db:migrate: ${(error as Error).message}`);
  process.exitCode = 1;
}
