import { ErrorCode, type ErrorBody } from "@collab/protocol";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error type routes throw. `onError` turns it (and anything else) into the shared
 * `{ error: { code, message, details? } }` body.
 */
export class ApiError extends HTTPException {
  readonly code: string;
  readonly details: unknown;

  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
    super(status, { message });
    this.code = code;
    this.details = details;
  }
}

export function onError(error: Error, c: Context): Response {
  if (error instanceof ApiError) {
    return c.json(body(error.code, error.message, error.details), error.status);
  }
  if (error instanceof HTTPException) {
    return c.json(body(httpCode(error.status), error.message || "Request failed"), error.status);
  }
  console.error(`${c.req.method} ${c.req.path} failed:`, error);
  return c.json(body(ErrorCode.Internal, "Internal server error"), 500);
}

export function notFound(c: Context): Response {
  return c.json(body(ErrorCode.NotFound, `No route for ${c.req.method} ${c.req.path}`), 404);
}

function body(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function httpCode(status: number): string {
  return status === 404 ? ErrorCode.NotFound : status >= 500 ? ErrorCode.Internal : "bad_request";
}
