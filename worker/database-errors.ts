import { DatabaseBusyError } from "./database-gate.ts";

/**
 * SQLSTATE classes that mean "the database cannot serve this now", not "this query is wrong":
 * 08 connection exception, 53 insufficient resources ("too many clients already"), 57 operator
 * intervention (shutdown, cancel), 58 system error.
 */
const UNAVAILABLE_CLASSES = new Set(["08", "53", "57", "58"]);

/**
 * Whether `error` says the database is down, overloaded or unreachable, as opposed to a bug: such errors
 * answer 503 with `Retry-After`, never 500. A failed query carries the driver's error as `cause`; one
 * without a SQLSTATE is a transport failure (refused, reset, timed out, terminated).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof DatabaseBusyError) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  }
  // drizzle wraps a failed query as "Failed query: ..." with the driver's error as its cause.
  return (error instanceof Error && error.message.startsWith("Failed query:")) || isTransportError(error);
}

/** The Neon driver's own failures outside a query (a pool that cannot connect, a socket that closed). */
function isTransportError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : typeof (error as { message?: unknown })?.message === "string" ? String((error as { message: string }).message) : "";
  return /connection (terminated|timeout|refused)|ECONNREFUSED|ECONNRESET|WebSocket|timeout exceeded when trying to connect/i.test(message);
}
