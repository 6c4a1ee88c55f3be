import { ErrorBody, ErrorCode, ValidationDetails } from "@collab/protocol";

/** Field name (`email`, `title`; `""` for the request as a whole) to its messages. */
export type FieldErrors = Record<string, string[]>;

/** Codes the client adds to the contract's {@link ErrorCode} for failures that never reach the worker. */
export const ClientErrorCode = {
  /** Status 0: the request did not get an answer (offline, DNS, the dev server is down). */
  Network: "network_error",
  /** The answer did not match the contract's schema: a client and a worker of different versions. */
  BadResponse: "bad_response",
  /** 502-504 without the contract's body: a proxy in front of the worker gave up. */
  Unavailable: "unavailable",
} as const;

/**
 * Every failed API call, whatever went wrong, as one type: the status (0 when there was no answer), the
 * contract's error code, a message written for people, and per-field messages for forms.
 *
 * @example
 * try { await auth.login(input) } catch (error) { if (error instanceof ApiError) show(error.message, error.fields) }
 */
export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldErrors = {},
    /** From `Retry-After` on 429 and 503 answers. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get isUnauthorized(): boolean {
    return this.status === 401 && this.code !== ErrorCode.InvalidCredentials;
  }
}

/**
 * The {@link ApiError} for a non-2xx answer. `body` is the parsed JSON (or undefined when it was not JSON,
 * e.g. a proxy's HTML error page); `retryAfter` is the raw `Retry-After` header.
 */
export function apiErrorFrom(status: number, body: unknown, retryAfter: string | null, now = Date.now()): ApiError {
  const parsed = ErrorBody.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : codeForStatus(status);
  const serverMessage = parsed.success ? parsed.data.error.message : undefined;
  const fields = parsed.success ? fieldErrorsFrom(parsed.data.error.details) : {};
  const retryAfterSeconds = parseRetryAfter(retryAfter, now);
  return new ApiError(status, code, userMessage(code, { serverMessage, retryAfterSeconds, fields }), fields, retryAfterSeconds);
}

/** The message to show for an error code. Codes whose text depends on the request keep the server's words. */
export function userMessage(
  code: string,
  context: { serverMessage?: string | undefined; retryAfterSeconds?: number | undefined; fields?: FieldErrors } = {},
): string {
  const { serverMessage, retryAfterSeconds, fields = {} } = context;
  switch (code) {
    case ErrorCode.RateLimited:
      return retryAfterSeconds === undefined
        ? "Too many attempts, try again in a moment."
        : `Too many attempts, try again in ${retryAfterSeconds} s.`;
    case ErrorCode.InvalidCredentials:
      return "Wrong username, email or password.";
    case ErrorCode.Unauthorized:
      return "Your session has ended. Please sign in again.";
    case ErrorCode.Forbidden:
      return "You don't have permission to do that.";
    case ErrorCode.ValidationFailed:
      // The fields say what is wrong; a form shows them beside the inputs.
      return Object.keys(fields).some((field) => field !== "")
        ? "Some fields need attention."
        : (fields[""]?.[0] ?? serverMessage ?? "The request was not valid.");
    case ErrorCode.PayloadTooLarge:
      return "That is too large to send (the limit is 1 MB).";
    case ErrorCode.DatabaseUnavailable:
    case ErrorCode.RoomUnavailable:
    case ClientErrorCode.Unavailable:
      return "The service is temporarily unavailable. Try again in a moment.";
    case ErrorCode.Internal:
      return "Something went wrong on our side. Try again in a moment.";
    case ClientErrorCode.Network:
      return "Cannot reach the server. Check your connection and try again.";
    case ClientErrorCode.BadResponse:
      return "The server sent an answer this page does not understand. Reload the page.";
    default:
      // not_found, conflict, gone, ...: the worker names the thing ("No user named ada").
      return serverMessage ?? `Request failed (${code}).`;
  }
}

/**
 * `details.fields` of a validation error keyed by the field's own name: the worker prefixes where it found
 * the field (`body.email`, `query.limit`); a form only knows `email`. A message about the whole body goes
 * under `""`.
 */
export function fieldErrorsFrom(details: unknown): FieldErrors {
  const parsed = ValidationDetails.safeParse(details);
  if (!parsed.success) return {};
  const fields: FieldErrors = {};
  for (const [path, messages] of Object.entries(parsed.data.fields)) {
    const name = path.replace(/^(body|query|params?)(\.|$)/, "");
    (fields[name] ??= []).push(...messages);
  }
  return fields;
}

/** `Retry-After` as whole seconds from now: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** A message for anything a `catch` receives: an ApiError's own, or a generic one for a bug. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  console.error(error);
  return "Something went wrong. Try again.";
}

function codeForStatus(status: number): string {
  if (status === 401) return ErrorCode.Unauthorized;
  if (status === 403) return ErrorCode.Forbidden;
  if (status === 404) return ErrorCode.NotFound;
  if (status === 409) return ErrorCode.Conflict;
  if (status === 410) return ErrorCode.Gone;
  if (status === 413) return ErrorCode.PayloadTooLarge;
  if (status === 429) return ErrorCode.RateLimited;
  if (status === 502 || status === 503 || status === 504) return ClientErrorCode.Unavailable;
  return ErrorCode.Internal;
}
