import { ApiError, ClientErrorCode, apiErrorFrom, userMessage } from "./errors.ts";

/**
 * What `request` needs of a schema: the contract's zod schemas fit, and so does {@link NoContent}. Typed
 * structurally so the web app does not import zod itself (the contract's copy is the one that counts).
 */
export interface Schema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** The schema of a 204 answer. */
export const NoContent: Schema<void> = {
  safeParse: (input) =>
    input === undefined ? { success: true, data: undefined } : { success: false, error: new Error("expected no body") },
};

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
  /** For tests. */
  fetch?: typeof fetch;
}

/**
 * One call to the worker's REST API under `/api`, on this page's origin, authenticated by the session cookie.
 * Resolves with the body parsed by `schema`; rejects with an {@link ApiError} for every failure: an error
 * answer, no answer at all (status 0), or an answer that does not match the contract. An aborted request
 * rejects with the `AbortError` itself, so callers can tell "cancelled" from "failed".
 *
 * @example
 * const { user } = await request("GET", "/auth/me", MeResponse);
 */
export async function request<T>(method: Method, path: string, schema: Schema<T>, options: RequestOptions = {}): Promise<T> {
  const { body, query, signal, fetch: fetchImpl = globalThis.fetch } = options;
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const url = `/api${path}${queryString(query)}`;

  let response: Response;
  try {
    response = await fetchImpl(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    console.warn(`${method} ${url}: no answer`, error);
    throw new ApiError(0, ClientErrorCode.Network, userMessage(ClientErrorCode.Network));
  }

  const json = await readJson(response);
  if (!response.ok) throw apiErrorFrom(response.status, json.value, response.headers.get("retry-after"));

  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    console.error(`${method} ${url}: the answer does not match the contract`, parsed.error, json.value);
    throw new ApiError(response.status, ClientErrorCode.BadResponse, userMessage(ClientErrorCode.BadResponse));
  }
  return parsed.data;
}

/** The body as JSON; `undefined` when empty (204) or not JSON at all (a proxy's HTML error page). */
async function readJson(response: Response): Promise<{ value: unknown }> {
  const text = await response.text().catch(() => "");
  if (text === "") return { value: undefined };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { value: undefined };
  }
}

function queryString(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
