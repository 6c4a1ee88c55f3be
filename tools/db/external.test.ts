import { describe } from "vitest";
import { describeDatabaseContract } from "./database-contract.ts";
import { isReachable, REAL_DATABASE_URL, realPostgres, useProxiedDatabase } from "./test-fixtures.ts";
import { redactDatabaseUrl } from "./database-url.ts";

// The real Postgres of the developer machine or CI run. On CI a missing server fails the run (the suite
// runs and its beforeAll reports why); elsewhere the suite is skipped with a note.
const reachable = await isReachable(REAL_DATABASE_URL);
const required = process.env.CI === "true";
if (!reachable && !required) {
  console.warn(`tools/db/external.test.ts: skipped, no Postgres at ${redactDatabaseUrl(REAL_DATABASE_URL)} (set DATABASE_URL)`);
}

describe.skipIf(!reachable && !required)("real Postgres behind the proxy", () => {
  describeDatabaseContract(useProxiedDatabase(realPostgres));
});
