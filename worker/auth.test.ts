import { openDatabase } from "@collab/db";
import { AuthResponse, ErrorBody, ErrorCode, MeResponse, SESSION_COOKIE, ValidationDetails } from "@collab/protocol";
import { sql, type SQL } from "drizzle-orm";
import { sign } from "hono/jwt";
import { describe, expect, inject, it } from "vitest";
import { useNodeWebSocket } from "../tools/db/node-websocket.ts";
import { ACCOUNT_SLOWDOWN_MS } from "./auth/rate-limit.ts";
import { clientHeaders, testIp } from "../tools/testing/accounts.ts";

/**
 * Registration, login, sessions and logout against the worker under `wrangler dev`, on the real database.
 * Every test registers its own accounts; each request names a client address in `cf-connecting-ip`, vouched
 * for with the run's proxy secret as the dev proxy does (the rate-limit tests below would fail without it).
 */
const { workerUrl, databaseUrl, wsProxy, roomTokenSecret } = inject("stack");
const PASSWORD = "correct horse battery staple";

function post(path: string, body: unknown, options: { ip?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${workerUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...clientHeaders(options.ip ?? testIp()), ...options.headers },
    body: JSON.stringify(body),
  });
}

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${workerUrl}${path}`, { headers });
}

let serial = 0;
/** A fresh, valid registration body; `name` is unique per call. */
function account(label = "acct") {
  const name = `${label}_${Date.now().toString(36)}${(serial++).toString(36)}${Math.random().toString(36).slice(2, 5)}`.toLowerCase();
  return { username: name, email: `${name}@example.test`, password: PASSWORD };
}

async function register(body = account()): Promise<AuthResponse> {
  const response = await post("/api/auth/register", body);
  expect(response.status).toBe(201);
  return AuthResponse.parse(await response.json());
}

async function errorOf(response: Response): Promise<ErrorBody["error"]> {
  return ErrorBody.parse(await response.json()).error;
}

async function fieldsOf(response: Response): Promise<Record<string, string[]>> {
  const error = await errorOf(response);
  expect(error.code).toBe(ErrorCode.ValidationFailed);
  return ValidationDetails.parse(error.details).fields;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const cookie = (token: string) => ({ cookie: `${SESSION_COOKIE}=${token}` });

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function execute(query: SQL): Promise<void> {
  useNodeWebSocket();
  const { db, end } = openDatabase({ databaseUrl, wsProxy });
  try {
    await db.execute(query);
  } finally {
    await end();
  }
}

/**
 * The rate-limiting binding counts in fixed windows aligned to the minute (miniflare clears every bucket
 * when `floor(now / 60 s)` changes), so a burst that straddles a minute boundary would start over halfway.
 * Bursts here take well under 5 s: start them in a fresh window when the current one is about to end.
 */
async function inOneRateLimitWindow(needMs = 5_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe("POST /api/auth/register", () => {
  it("creates an account, signs it in, and sets an HttpOnly session cookie", async () => {
    const body = account("Ada");
    const response = await post("/api/auth/register", {
      ...body,
      username: body.username.toUpperCase(),
      email: `  ${body.email.toUpperCase()}  `,
      displayName: "Ada Lovelace",
    });
    expect(response.status).toBe(201);
    const { user, token, expiresAt } = AuthResponse.parse(await response.json());
    expect(user).toMatchObject({ username: body.username, email: body.email, displayName: "Ada Lovelace" });
    expect(user.color).toMatch(/^#[0-9a-f]{6}$/i);
    // SESSION_TTL_HOURS = 24 in wrangler.toml.
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);

    const [setCookie, ...others] = response.headers.getSetCookie();
    expect(others).toEqual([]);
    const [pair, ...attributes] = setCookie!.split(";").map((part) => part.trim());
    expect(pair).toBe(`${SESSION_COOKIE}=${token}`);
    expect(attributes).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=86400"]));
    // Plain http (local dev): a Secure cookie would never be sent back.
    expect(attributes.map((attribute) => attribute.toLowerCase())).not.toContain("secure");

    const me = await get("/api/auth/me", bearer(token));
    expect(me.status).toBe(200);
    expect(MeResponse.parse(await me.json()).user).toEqual(user);
  });

  it("uses the username as the display name when none is given", async () => {
    const body = account();
    const { user } = await register(body);
    expect(user.displayName).toBe(body.username);
  });

  it.each([
    ["a short username", { username: "ab" }, "body.username", "Username must be at least 3 characters"],
    ["a username with a space", { username: "ada lovelace" }, "body.username", "Username may contain only letters, digits, '_', '.' and '-'"],
    ["a username with an @", { username: "ada@home" }, "body.username", "Username may contain only letters, digits, '_', '.' and '-'"],
    ["an invalid email", { email: "not-an-email" }, "body.email", "Email must be a valid address"],
    ["a short password", { password: "123456789" }, "body.password", "Password must be at least 10 characters"],
    ["a blank display name", { displayName: "   " }, "body.displayName", "Display name must not be empty"],
    ["a numeric username", { username: 12345 }, "body.username", undefined],
  ])("refuses %s with 400 naming the field", async (_, change, field, message) => {
    const response = await post("/api/auth/register", { ...account(), ...change });
    expect(response.status).toBe(400);
    const fields = await fieldsOf(response);
    expect(Object.keys(fields)).toEqual([field]);
    if (message) expect(fields[field]).toEqual([message]);
  });

  it("names every missing field at once", async () => {
    const response = await post("/api/auth/register", {});
    expect(response.status).toBe(400);
    expect(Object.keys(await fieldsOf(response)).sort()).toEqual(["body.email", "body.password", "body.username"]);
  });

  it("answers 409 for a taken username, whatever its case", async () => {
    const first = account("Dup");
    const { user } = await register(first);

    const sameName = await post("/api/auth/register", { ...account(), username: first.username.toUpperCase() });
    expect(sameName.status).toBe(409);
    const nameError = await errorOf(sameName);
    expect(nameError.code).toBe(ErrorCode.Conflict);
    expect(Object.keys(ValidationDetails.parse(nameError.details).fields)).toEqual(["body.username"]);

    // The first account is untouched: its password still works.
    const login = await post("/api/auth/login", { login: first.username, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(AuthResponse.parse(await login.json()).user.id).toBe(user.id);
  });

  it("never tells whether an email has an account: a second sign-up with it is answered like any other", async () => {
    const first = account("Mail");
    const { user } = await register(first);
    const unused = await post("/api/auth/register", account());
    const second = { ...account(), email: first.email.toUpperCase(), password: "another long passphrase here" };
    const reused = await post("/api/auth/register", second);
    // The same status and the same shape of answer as for an address nobody uses.
    expect(reused.status).toBe(unused.status);
    expect(reused.status).toBe(201);
    const secondUser = AuthResponse.parse(await reused.json()).user;
    expect(secondUser.id).not.toBe(user.id);

    // Signing in with the email: the password says which account; a wrong one opens neither.
    const asFirst = await post("/api/auth/login", { login: first.email, password: PASSWORD });
    expect(AuthResponse.parse(await asFirst.json()).user.id).toBe(user.id);
    const asSecond = await post("/api/auth/login", { login: first.email, password: second.password });
    expect(AuthResponse.parse(await asSecond.json()).user.id).toBe(secondUser.id);
    expect((await post("/api/auth/login", { login: first.email, password: "not the password at all" })).status).toBe(401);
  });

  it("answers 429 with Retry-After after 10 attempts from one address in a minute, and only for that address", async () => {
    await inOneRateLimitWindow();
    const ip = testIp();
    // One real account, then attempts that reuse its username: counted like any other, without creating users.
    const taken = account("burst");
    expect((await post("/api/auth/register", taken, { ip })).status).toBe(201);
    for (let attempt = 2; attempt <= 10; attempt++) {
      expect((await post("/api/auth/register", { ...account(), username: taken.username }, { ip })).status).toBe(409);
    }
    const limited = await post("/api/auth/register", account(), { ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect((await errorOf(limited)).code).toBe(ErrorCode.RateLimited);

    // Another address is not limited: the test vouches for its addresses as a trusted proxy would.
    expect((await post("/api/auth/register", account(), { ip: testIp() })).status).toBe(201);
  });
});

describe("POST /api/auth/login", () => {
  it.each([
    ["username", (a: ReturnType<typeof account>) => a.username],
    ["email", (a: ReturnType<typeof account>) => a.email],
    ["upper-cased email with spaces around it", (a: ReturnType<typeof account>) => `  ${a.email.toUpperCase()} `],
  ])("signs in with the %s and opens a new session", async (_, login) => {
    const body = account();
    const registered = await register(body);
    const response = await post("/api/auth/login", { login: login(body), password: PASSWORD });
    expect(response.status).toBe(200);
    const { user, token } = AuthResponse.parse(await response.json());
    expect(user).toEqual(registered.user);
    expect(token).not.toBe(registered.token);
    expect(response.headers.getSetCookie()[0]).toContain(`${SESSION_COOKIE}=${token};`);
    expect((await get("/api/auth/me", bearer(token))).status).toBe(200);
  });

  it("gives the same answer for a wrong password and for an unknown user", async () => {
    const body = account();
    await register(body);
    const wrongPassword = await post("/api/auth/login", { login: body.username, password: "not the password" });
    const unknownUser = await post("/api/auth/login", { login: `${body.username}_nobody`, password: "not the password" });
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    const [a, b] = [await wrongPassword.json(), await unknownUser.json()];
    expect(a).toEqual(b);
    expect(ErrorBody.parse(a).error.code).toBe(ErrorCode.InvalidCredentials);
    expect(wrongPassword.headers.getSetCookie()).toEqual([]);
  });

  it("refuses a password in the wrong case", async () => {
    const body = account();
    await register(body);
    expect((await post("/api/auth/login", { login: body.username, password: PASSWORD.toUpperCase() })).status).toBe(401);
  });

  it.each([
    ["nothing", {}, ["body.login", "body.password"]],
    ["a blank login", { login: "   ", password: "x" }, ["body.login"]],
    ["an empty password", { login: "someone", password: "" }, ["body.password"]],
    ["a numeric password", { login: "someone", password: 1234567890 }, ["body.password"]],
  ])("answers 400 for %s", async (_, body, fields) => {
    const response = await post("/api/auth/login", body);
    expect(response.status).toBe(400);
    expect(Object.keys(await fieldsOf(response)).sort()).toEqual(fields);
  });

  it("never locks the owner out: after 10 wrong guesses from many addresses, the right password from a new address still works (slowed)", async () => {
    const body = account();
    await register(body);
    await inOneRateLimitWindow();
    for (let attempt = 1; attempt <= 12; attempt++) {
      expect((await post("/api/auth/login", { login: body.username, password: "guess number " + attempt })).status).toBe(401);
    }
    // The account is under attack now: every attempt is slowed, none refused.
    const started = performance.now();
    const owner = await post("/api/auth/login", { login: body.username.toUpperCase(), password: PASSWORD });
    expect(owner.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(ACCOUNT_SLOWDOWN_MS - 50);
  });

  it("refuses the 11th attempt in a minute from one address on one account, and only there", async () => {
    const body = account();
    await register(body);
    await inOneRateLimitWindow();
    const ip = testIp();
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect((await post("/api/auth/login", { login: body.username, password: "guess number " + attempt }, { ip })).status).toBe(401);
    }
    const limited = await post("/api/auth/login", { login: body.username, password: PASSWORD }, { ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect((await errorOf(limited)).code).toBe(ErrorCode.RateLimited);
    // The key is the account name, lower-cased: another spelling does not get a fresh allowance.
    expect((await post("/api/auth/login", { login: body.username.toUpperCase(), password: PASSWORD }, { ip })).status).toBe(429);
    // The owner elsewhere is not.
    expect((await post("/api/auth/login", { login: body.username, password: PASSWORD }, { ip: testIp() })).status).toBe(200);
  });

  it("limits attempts per address: the 31st in a minute is refused, whatever the account", async () => {
    const body = account();
    await register(body);
    await inOneRateLimitWindow(30_000);
    const ip = testIp();
    for (let attempt = 1; attempt <= 30; attempt++) {
      expect((await post("/api/auth/login", { login: `nobody_${attempt}_${Date.now()}`, password: "x" }, { ip })).status).toBe(401);
    }
    expect((await post("/api/auth/login", { login: body.username, password: PASSWORD }, { ip })).status).toBe(429);
    expect((await post("/api/auth/login", { login: body.username, password: PASSWORD }, { ip: testIp() })).status).toBe(200);
  }, 90_000);

  it("ignores a cf-connecting-ip nobody vouched for: inventing addresses does not escape the per-address limit", async () => {
    await inOneRateLimitWindow(30_000);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      // A client talking to the worker directly, claiming a new address every time, spraying accounts.
      const response = await fetch(`${workerUrl}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": testIp() },
        body: JSON.stringify({ login: `sprayed_${attempt}_${Date.now()}`, password: "x" }),
      });
      statuses.push(response.status);
      if (response.status === 429) break;
    }
    expect(statuses.at(-1)).toBe(429);
  }, 90_000);
});

describe("GET /api/auth/me", () => {
  it("accepts the session cookie as well as the Bearer token", async () => {
    const { user, token } = await register();
    const response = await get("/api/auth/me", cookie(token));
    expect(response.status).toBe(200);
    expect(MeResponse.parse(await response.json()).user).toEqual(user);
  });

  type Forgery = (session: { token: string; other: AuthResponse }) => Promise<Record<string, string>> | Record<string, string>;
  it.each<[string, Forgery]>([
    ["no credentials", () => ({})],
    ["an empty Bearer token", () => ({ authorization: "Bearer " })],
    ["a token that is not a JWT", () => bearer("not-a-token")],
    ["Basic credentials", () => ({ authorization: `Basic ${Buffer.from(`user:${PASSWORD}`).toString("base64")}` })],
    ["the same claims signed with another secret", async ({ token }) => bearer(await sign(claimsOf(token), "x".repeat(32), "HS256"))],
    ["the same claims signed with the room-token secret", async ({ token }) => bearer(await sign(claimsOf(token), roomTokenSecret, "HS256"))],
    [
      "a token whose user was swapped (signature kept)",
      ({ token, other }) => {
        const [header, , signature] = token.split(".");
        return bearer(`${header}.${base64url({ ...claimsOf(token), sub: other.user.id })}.${signature}`);
      },
    ],
    [
      "a token whose expiry was extended (signature kept)",
      ({ token }) => {
        const [header, , signature] = token.split(".");
        const claims = claimsOf(token);
        return bearer(`${header}.${base64url({ ...claims, exp: (claims.exp as number) + 3_600 })}.${signature}`);
      },
    ],
    ["an unsigned token (alg none)", ({ token }) => bearer(`${base64url({ alg: "none", typ: "JWT" })}.${token.split(".")[1]}.`)],
    ["another user's session id in a forged token", async ({ token, other }) => bearer(await sign({ ...claimsOf(token), sid: claimsOf(other.token).sid }, "y".repeat(32), "HS256"))],
    ["a forged cookie", async ({ token }) => cookie(await sign(claimsOf(token), "z".repeat(32), "HS256"))],
  ])("answers 401 for %s", async (_, forge) => {
    const [{ token }, other] = await Promise.all([register(), register()]);
    const response = await get("/api/auth/me", await forge({ token, other }));
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe(ErrorCode.Unauthorized);
    // The real token still works: nothing above disturbed the session.
    expect((await get("/api/auth/me", bearer(token))).status).toBe(200);
  });

  it("answers 401 once the session has expired on the server", async () => {
    const { token } = await register();
    expect((await get("/api/auth/me", bearer(token))).status).toBe(200);
    await execute(sql`update sessions set expires_at = now() - interval '1 second' where id = ${claimsOf(token).sid as string}`);
    const response = await get("/api/auth/me", bearer(token));
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe(ErrorCode.Unauthorized);
  });
});

describe("POST /api/auth/logout", () => {
  it("revokes the session: the same token then gets 401, as Bearer and as cookie, and the cookie is cleared", async () => {
    const body = account();
    const { token } = await register(body);
    const elsewhere = AuthResponse.parse(await (await post("/api/auth/login", { login: body.username, password: PASSWORD })).json());

    const response = await fetch(`${workerUrl}/api/auth/logout`, { method: "POST", headers: bearer(token) });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    const cleared = response.headers.getSetCookie()[0]!;
    expect(cleared).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
    expect(cleared).toContain("Max-Age=0");

    for (const headers of [bearer(token), cookie(token)]) {
      const me = await get("/api/auth/me", headers);
      expect(me.status).toBe(401);
      expect((await errorOf(me)).code).toBe(ErrorCode.Unauthorized);
    }
    expect((await fetch(`${workerUrl}/api/auth/logout`, { method: "POST", headers: bearer(token) })).status).toBe(401);
    // Only that session ended: the user's other session goes on.
    expect((await get("/api/auth/me", bearer(elsewhere.token))).status).toBe(200);
  });

  it("answers 401 without a session", async () => {
    const response = await fetch(`${workerUrl}/api/auth/logout`, { method: "POST" });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe(ErrorCode.Unauthorized);
  });

  it("logs out with the cookie alone (the browser's way)", async () => {
    const { token } = await register();
    expect((await fetch(`${workerUrl}/api/auth/logout`, { method: "POST", headers: cookie(token) })).status).toBe(204);
    expect((await get("/api/auth/me", bearer(token))).status).toBe(401);
  });
});
