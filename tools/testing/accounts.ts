import { AuthResponse, DocumentSummary, ErrorBody, RoomTokenResponse, type CreateDocumentRequest } from "@collab/protocol";

/**
 * Real accounts for tests, made through the REST API like any client would. Each test user's requests carry
 * an address of its own in `cf-connecting-ip`, vouched for as a trusted proxy would (see clientHeaders), so
 * the per-IP limit on registration applies per test user rather than to the whole run.
 */
export interface TestUser {
  id: string;
  username: string;
  displayName: string;
  /** The session token (Bearer). */
  token: string;
  ip: string;
  /** A JSON request with this user's session; returns the response as is. */
  request(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** Creates a document through the API; returns its id. */
  createDocument(input?: CreateDocumentRequest): Promise<string>;
  /** A fresh room token for a document. */
  roomToken(docId: string): Promise<string>;
}

/**
 * Headers that give a request a client address the worker believes: `cf-connecting-ip`, vouched for with
 * the run's TRUSTED_PROXY_SECRET (the worker ignores the address without it).
 */
export function clientHeaders(ip: string): Record<string, string> {
  const secret = process.env.TRUSTED_PROXY_SECRET;
  return secret ? { "cf-connecting-ip": ip, "x-proxy-secret": secret } : { "cf-connecting-ip": ip };
}

let ipCounter = 0;

/** A unique test address, e.g. 10.7.0.12 (never contacted; only a rate-limit key). */
export function testIp(): string {
  const n = ++ipCounter + Math.floor(Math.random() * 50_000);
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * Sends a request again while the worker answers 503, after its `Retry-After`, as a well-behaved client does:
 * the embedded database serves one query at a time, and on a loaded machine a burst of suites can keep a
 * request waiting past the worker's database gate. Only the set-up helpers below retry; tests that assert
 * a 503 send their requests themselves.
 */
export async function retryingUnavailable(send: () => Promise<Response>, budgetMs = 30_000): Promise<Response> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const response = await send();
    if (response.status !== 503 || Date.now() >= deadline) return response;
    await response.body?.cancel();
    const seconds = Number(response.headers.get("retry-after"));
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000, 2000)));
  }
}

/** Registers a fresh account (a unique username from `label`, or `username` exactly, e.g. the run's admin). */
export async function signUp(workerUrl: string, label = "user", username = `${label}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.slice(0, 32).toLowerCase()): Promise<TestUser> {
  const ip = testIp();
  const response = await retryingUnavailable(() =>
    fetch(`${workerUrl}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", ...clientHeaders(ip) },
      body: JSON.stringify({ username, email: `${username}@example.test`, password: "correct horse battery staple", displayName: label }),
    }),
  );
  if (response.status !== 201) throw new Error(`register ${username}: ${response.status} ${await response.text()}`);
  const { user, token } = AuthResponse.parse(await response.json());
  return sessionFor(workerUrl, { id: user.id, username, displayName: user.displayName, token, ip });
}

export function sessionFor(workerUrl: string, who: { id: string; username: string; displayName: string; token: string; ip: string }): TestUser {
  const request: TestUser["request"] = (path, init = {}) =>
    fetch(`${workerUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: {
        authorization: `Bearer ${who.token}`,
        ...clientHeaders(who.ip),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  return {
    ...who,
    request,
    async createDocument(input = {}) {
      const response = await retryingUnavailable(() => request("/api/documents", { body: input }));
      if (response.status !== 201) throw new Error(`create document: ${response.status} ${await response.text()}`);
      return DocumentSummary.parse(await response.json()).id;
    },
    async roomToken(docId) {
      const response = await retryingUnavailable(() => request(`/api/documents/${docId}/token`, { method: "POST" }));
      if (response.status !== 200) throw new Error(`room token: ${response.status} ${JSON.stringify(ErrorBody.safeParse(await response.json()).data)}`);
      return RoomTokenResponse.parse(await response.json()).token;
    },
  };
}
