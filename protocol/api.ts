import { z } from "zod";

/**
 * REST request and response shapes. The worker validates with them and the web client parses with them, so
 * a change here is a compile error on both sides.
 */

/** Every error response has this body, produced by the worker's one error handler. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Machine-readable error codes that may appear in {@link ErrorBody}. */
export const ErrorCode = {
  /** 400: the body, query or path failed validation; `details.fields` names each offending field. */
  ValidationFailed: "validation_failed",
  InvalidDocumentId: "invalid_document_id",
  /** 400: the body is not JSON, or not the declared content type. */
  MalformedRequest: "malformed_request",
  /** 401: no session, or an expired or revoked one. */
  Unauthorized: "unauthorized",
  /** 401: wrong username/email or password (the same answer for both). */
  InvalidCredentials: "invalid_credentials",
  /** 403: signed in, but the role is not enough. */
  Forbidden: "forbidden",
  NotFound: "not_found",
  /** 409: the username or email is taken. */
  Conflict: "conflict",
  /** 410: a share link that expired or was revoked. */
  Gone: "gone",
  /** 413: the body is over 1 MB. */
  PayloadTooLarge: "payload_too_large",
  /** 415: not `application/json`. */
  UnsupportedMediaType: "unsupported_media_type",
  /** 429: too many attempts; `Retry-After` says when to try again. */
  RateLimited: "rate_limited",
  DatabaseUnavailable: "database_unavailable",
  /** 503: the document's room could not be reached. */
  RoomUnavailable: "room_unavailable",
  Internal: "internal",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** `details` of a validation error: one message per offending field (`"body.email"`, `"query.limit"`). */
export const ValidationDetails = z.object({ fields: z.record(z.string(), z.array(z.string())) });
export type ValidationDetails = z.infer<typeof ValidationDetails>;

export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  version: z.string(),
  database: z.object({ ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() }),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
