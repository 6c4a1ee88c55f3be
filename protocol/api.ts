import { z } from "zod";
import { DOC_ID_PATTERN } from "./doc-id.ts";

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
  InvalidDocumentId: "invalid_document_id",
  NotFound: "not_found",
  DatabaseUnavailable: "database_unavailable",
  Internal: "internal",
} as const;

export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  version: z.string(),
  database: z.object({ ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() }),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

export const DocumentResponse = z.object({
  id: z.string().regex(DOC_ID_PATTERN),
  language: z.string(),
  text: z.string(),
  /** Length of `text` in Unicode code points (what an editor calls characters; not UTF-16 units). */
  length: z.number().int().nonnegative(),
  updatedAt: z.string().datetime(),
});
export type DocumentResponse = z.infer<typeof DocumentResponse>;
