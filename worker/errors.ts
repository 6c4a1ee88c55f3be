import { ErrorCode, type ErrorBody, type ValidationDetails } from "@collab/protocol";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import { PresenceUnavailableError } from "@collab/presence";
import { ConfigError } from "./config.ts";
import { isDatabaseUnavailable } from "./database-errors.ts";
import type { AppEnv } from "./context.ts";
import { requestLog } from "./observe.ts";

/**
 * The one error type routes throw. `onError` turns it, and anything else, into the shared
 * `{ error: { code, message, details? } }` body: one error path for the whole API.
 */
export class ApiError extends HTTPException {
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: string, message: string, options: { details?: unknown; headers?: Record<string, string> } = {}) {
    super(status, { message });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export const notFoundError = (what = "Document") => new ApiError(404, ErrorCode.NotFound, `${what} not found`);
export const forbiddenError = (message: string) => new ApiError(403, ErrorCode.Forbidden, message);

/** A zod failure as a 400 naming each offending field, e.g. `{ "body.email": ["Email must be a valid address"] }`. */
export function validationError(error: ZodError, target: string): ApiError {
  const fields: ValidationDetails["fields"] = {};
  for (const issue of error.issues) {
    const key = [target === "json" ? "body" : target, ...issue.path.map(String)].join(".");
    (fields[key] ??= []).push(issue.message);
  }
  const names = Object.keys(fields);
  return new ApiError(400, ErrorCode.ValidationFailed, `Invalid ${names.join(", ")}`, { details: { fields } satisfies ValidationDetails });
}

/**
 * The OpenAPI routes' validation hook: every invalid request leaves through {@link validationError}. Valid
 * input is also checked for text Postgres cannot store as sent: U+0000 (which a text column refuses, so it
 * would surface as a 500) and unpaired surrogates (which would be stored as U+FFFD, silently changed).
 */
export function validationHook(result: { success: boolean; error?: ZodError; target: string; data?: unknown }): void {
  if (!result.success && result.error) throw validationError(result.error, result.target);
  if (result.success) {
    const fields = unstorableText(result.data, [result.target === "json" ? "body" : result.target]);
    if (Object.keys(fields).length > 0) {
      throw new ApiError(400, ErrorCode.ValidationFailed, `Invalid ${Object.keys(fields).join(", ")}`, { details: { fields } satisfies ValidationDetails });
    }
  }
}

/** U+0000, or a surrogate that is not half of a pair (with the u flag, a pair matches as one code point). */
const UNSTORABLE = /[\u0000\p{Cs}]/u;

function unstorableText(value: unknown, path: string[], fields: ValidationDetails["fields"] = {}): ValidationDetails["fields"] {
  if (typeof value === "string") {
    if (UNSTORABLE.test(value)) fields[path.join(".")] = ["Must not contain NUL characters or unpaired surrogates"];
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) unstorableText(item, [...path, key], fields);
  }
  return fields;
}

export function onError(error: Error, c: Context<AppEnv>): Response {
  const log = requestLog(c);
  if (error instanceof ApiError) {
    return c.json(body(error.code, error.message, error.details), error.status, error.headers);
  }
  if (error instanceof HTTPException) {
    // Raised by Hono itself: malformed JSON (400), the body limit (413).
    const code = httpCode(error.status);
    const message = error.status === 413 ? "Request body is larger than 1 MB" : error.message || "Request failed";
    return c.json(body(code, message), error.status);
  }
  if (error instanceof PresenceUnavailableError) {
    log.error("presence store unavailable", { method: c.req.method, path: c.req.path, error });
    return c.json(body(ErrorCode.RoomUnavailable, "Presence is unavailable right now; try again"), 503);
  }
  if (isDatabaseUnavailable(error)) {
    // Down, overloaded or saturated: the client may retry; nothing here is a bug to report as 500.
    log.error("database unavailable", { method: c.req.method, path: c.req.path, error: errorSummary(error) });
    return c.json(body(ErrorCode.DatabaseUnavailable, "The database is busy or unavailable; try again shortly"), 503, { "Retry-After": "1" });
  }
  if (error instanceof ConfigError) {
    log.error("configuration error", { error: error.message });
    return c.json(body(ErrorCode.Internal, "The server is misconfigured"), 500);
  }
  log.error("request failed", { method: c.req.method, path: c.req.path, error, stack: error.stack?.split("\n").slice(1, 4).map((line) => line.trim()) });
  return c.json(body(ErrorCode.Internal, "Internal server error"), 500);
}

export function notFound(c: Context): Response {
  return c.json(body(ErrorCode.NotFound, `No route for ${c.req.method} ${c.req.path}`), 404);
}

function errorSummary(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const text = (value: unknown) => (value instanceof Error ? `${value.name}: ${value.message.split("\n")[0]}` : String(value));
  return cause ? `${text(error)} (cause: ${text(cause)})` : text(error);
}

function body(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

const CODES: Record<number, string> = {
  400: ErrorCode.MalformedRequest,
  401: ErrorCode.Unauthorized,
  404: ErrorCode.NotFound,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
};

function httpCode(status: number): string {
  return CODES[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.MalformedRequest);
}
