/** DATABASE_URL cannot be used: says what is wrong without echoing the password. */
export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}

export interface DatabaseAddress {
  host: string;
  port: number;
}

/**
 * The host and port the proxy must connect to for a `postgres://` URL (port 5432 when absent).
 * Throws DatabaseUrlError naming DATABASE_URL, the variable the URL comes from.
 *
 * @example
 * parseDatabaseUrl("postgres://postgres@127.0.0.1:5432/test"); // { host: "127.0.0.1", port: 5432 }
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseAddress {
  const problem = (what: string) =>
    new DatabaseUrlError(
      `DATABASE_URL ${what}; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, got "${redactDatabaseUrl(databaseUrl)}"`,
    );
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw problem("is not a URL");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") throw problem(`has scheme "${url.protocol}"`);
  // A Unix-socket URL (empty host, ?host=/var/run/...) cannot sit behind a TCP proxy.
  if (!url.hostname) throw problem("has no host");
  const port = url.port ? Number(url.port) : 5432;
  return { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port };
}

/** The URL with its password replaced, fit for logs and error messages. */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    // Unparseable: the password cannot be located, so show only the part before any '@'-credential.
    return databaseUrl.replace(/\/\/[^@/]*@/, "//***@");
  }
}
