import {
  AuthResponse,
  displayNameProblem,
  DocumentDetail,
  DocumentList,
  DocumentSummary,
  ErrorBody,
  ErrorCode,
  MAX_TEXT_CHARS,
  MeResponse,
  MemberList,
  RoomTokenClaims,
  RoomTokenResponse,
  ValidationDetails,
} from "@collab/protocol";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, clientHeaders, testIp, type TestUser } from "../tools/testing/accounts.ts";

/**
 * Hostile input against the worker under `wrangler dev` and the real database: every refusal is a clean
 * 4xx with the shared error body (never a 500), what is stored comes back exactly as sent, and afterwards
 * the data is as it was.
 */
const { workerUrl } = inject("stack");
const PASSWORD = "correct horse battery staple";

const INJECTIONS = [
  "'; drop table users; --",
  '" or 1=1 --',
  "' or '1'='1",
  "admin'--",
  "1); delete from documents; --",
  "' union select id, password_hash, email from users --",
  "%' or username like '%",
  "\\'; select pg_sleep(10); --",
];

let serial = 0;
function uniqueName(label: string): string {
  return `${label}_${Date.now().toString(36)}${(serial++).toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

function send(path: string, init: { method?: string; body?: string; contentType?: string | null; token?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = clientHeaders(testIp());
  if (init.contentType !== null) headers["content-type"] = init.contentType ?? "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  // Bytes, not a string: fetch would label a string body text/plain when no content type is given.
  const body = init.body === undefined ? undefined : new TextEncoder().encode(init.body);
  return fetch(`${workerUrl}${path}`, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers, body });
}

async function register(fields: { displayName?: string; password?: string } = {}): Promise<{ auth: AuthResponse; username: string; password: string }> {
  const username = uniqueName("h");
  const password = fields.password ?? PASSWORD;
  const response = await send("/api/auth/register", { body: JSON.stringify({ username, email: `${username}@example.test`, password, displayName: fields.displayName }) });
  expect(response.status).toBe(201);
  return { auth: AuthResponse.parse(await response.json()), username, password };
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody["error"]> {
  expect(response.status).toBe(status);
  const error = ErrorBody.parse(await response.json()).error;
  expect(error.code).toBe(code);
  return error;
}

async function expectFields(response: Response, fields: string[]): Promise<Record<string, string[]>> {
  const error = await expectError(response, 400, ErrorCode.ValidationFailed);
  const details = ValidationDetails.parse(error.details).fields;
  expect(Object.keys(details).sort()).toEqual(fields);
  return details;
}

async function documentIds(user: TestUser): Promise<string[]> {
  const response = await user.request("/api/documents?limit=100");
  expect(response.status).toBe(200);
  return DocumentList.parse(await response.json()).items.map((item) => item.id).sort();
}

async function detail(user: TestUser, docId: string): Promise<DocumentDetail> {
  const response = await user.request(`/api/documents/${docId}`);
  expect(response.status).toBe(200);
  return DocumentDetail.parse(await response.json());
}

let owner: TestUser;
let member: TestUser;
beforeAll(async () => {
  [owner, member] = await Promise.all([signUp(workerUrl, "owner"), signUp(workerUrl, "member")]);
});

describe("SQL injection strings", () => {
  it.each(INJECTIONS)("are refused or matched as plain text in every query, body field and path parameter: %s", async (injection) => {
    // A victim of its own: the login attempts below count against the account's rate limit.
    const [owner, attacker] = await Promise.all([signUp(workerUrl, "victim"), signUp(workerUrl, "attacker")]);
    const docId = await owner.createDocument({ title: "victim's", content: "victim's text" });
    expect((await owner.request(`/api/documents/${docId}/members`, { body: { user: member.username, role: "editor" } })).status).toBe(201);
    const ownDoc = await attacker.createDocument();
    const before = { owner: await documentIds(owner), members: await (await owner.request(`/api/documents/${docId}/members`)).json() };
    const inPath = encodeURIComponent(injection);
    const json = (value: unknown) => JSON.stringify(value);

    const refusals: [string, Promise<Response>, number, string, string[]?][] = [
      ["register: username", send("/api/auth/register", { body: json({ username: injection, email: "x@example.test", password: PASSWORD }) }), 400, ErrorCode.ValidationFailed, ["body.username"]],
      ["register: email", send("/api/auth/register", { body: json({ username: uniqueName("e"), email: injection, password: PASSWORD }) }), 400, ErrorCode.ValidationFailed, ["body.email"]],
      ["login: both fields", send("/api/auth/login", { body: json({ login: injection, password: injection }) }), 401, ErrorCode.InvalidCredentials],
      ["login: password of a real user", send("/api/auth/login", { body: json({ login: owner.username, password: injection }) }), 401, ErrorCode.InvalidCredentials],
      ["login: username with the injection appended", send("/api/auth/login", { body: json({ login: `${owner.username}${injection}`, password: injection }) }), 401, ErrorCode.InvalidCredentials],
      ["create: language", attacker.request("/api/documents", { body: { language: injection } }), 400, ErrorCode.ValidationFailed, ["body.language"]],
      ["list: filter", attacker.request(`/api/documents?filter=${inPath}`), 400, ErrorCode.ValidationFailed, ["query.filter"]],
      ["list: limit", attacker.request(`/api/documents?limit=${inPath}`), 400, ErrorCode.ValidationFailed, ["query.limit"]],
      ["list: cursor", attacker.request(`/api/documents?cursor=${inPath}`), 400, ErrorCode.ValidationFailed, ["query.cursor"]],
      [
        "list: a well-formed cursor carrying the injection",
        attacker.request(`/api/documents?cursor=${encodeURIComponent(btoa(json(["2999-01-01T00:00:00.000Z", injection])))}`),
        400,
        ErrorCode.ValidationFailed,
        ["query.cursor"],
      ],
      ["read: document id", attacker.request(`/api/documents/${inPath}`), 400, ErrorCode.ValidationFailed, ["param.id"]],
      ["delete: document id", attacker.request(`/api/documents/${inPath}`, { method: "DELETE" }), 400, ErrorCode.ValidationFailed, ["param.id"]],
      ["rename: language", attacker.request(`/api/documents/${ownDoc}`, { method: "PATCH", body: { language: injection } }), 400, ErrorCode.ValidationFailed, ["body.language"]],
      ["invite: user", attacker.request(`/api/documents/${ownDoc}/members`, { body: { user: injection, role: "editor" } }), 404, ErrorCode.NotFound],
      ["invite: role", attacker.request(`/api/documents/${ownDoc}/members`, { body: { user: owner.username, role: injection } }), 400, ErrorCode.ValidationFailed, ["body.role"]],
      ["change role: user id", attacker.request(`/api/documents/${ownDoc}/members/${inPath}`, { method: "PATCH", body: { role: "editor" } }), 404, ErrorCode.NotFound],
      ["remove member: user id", attacker.request(`/api/documents/${ownDoc}/members/${inPath}`, { method: "DELETE" }), 404, ErrorCode.NotFound],
      ["create link: role", attacker.request(`/api/documents/${ownDoc}/links`, { body: { role: injection } }), 400, ErrorCode.ValidationFailed, ["body.role"]],
      ["revoke link: link id", attacker.request(`/api/documents/${ownDoc}/links/${inPath}`, { method: "DELETE" }), 404, ErrorCode.NotFound],
      ["accept link: token", attacker.request(`/api/share/${inPath}/accept`, { method: "POST" }), 404, ErrorCode.NotFound],
      ["a victim's document with the injection as the id suffix", attacker.request(`/api/documents/${docId}${inPath}`), 400, ErrorCode.ValidationFailed, ["param.id"]],
    ];
    for (const [what, pending, status, code, fields] of refusals) {
      const response = await pending;
      const body = ErrorBody.safeParse(await response.json());
      expect({ what, status: response.status, code: body.data?.error.code }).toEqual({ what, status, code });
      if (fields) expect({ what, fields: Object.keys(ValidationDetails.parse(body.data!.error.details).fields) }).toEqual({ what, fields });
    }

    // Stored fields keep the text as sent.
    const created = await attacker.request("/api/documents", { body: { title: injection, content: injection } });
    expect(created.status).toBe(201);
    const createdId = DocumentSummary.parse(await created.json()).id;
    expect(await detail(attacker, createdId)).toMatchObject({ title: injection, text: injection });
    expect((await attacker.request(`/api/documents/${ownDoc}`, { method: "PATCH", body: { title: injection } })).status).toBe(200);
    expect((await attacker.request(`/api/documents/${ownDoc}`, { method: "PUT", body: { content: `${injection}\n${injection}` } })).status).toBe(200);
    expect(await detail(attacker, ownDoc)).toMatchObject({ title: injection, text: `${injection}\n${injection}` });
    expect(await documentIds(attacker)).toEqual([ownDoc, createdId].sort());

    // And nothing else changed: the victim still signs in and sees the same documents and members.
    expect((await send("/api/auth/login", { body: json({ login: owner.username, password: PASSWORD }) })).status).toBe(200);
    expect(await documentIds(owner)).toEqual(before.owner);
    expect(await (await owner.request(`/api/documents/${docId}/members`)).json()).toEqual(before.members);
    expect(await detail(owner, docId)).toMatchObject({ title: "victim's", text: "victim's text" });
    expect(await detail(member, docId)).toMatchObject({ role: "editor" });
  });

  it.each(INJECTIONS)("are stored exactly as a password and a display name: %s", async (injection) => {
    const password = `${injection} padding`;
    const { auth, username } = await register({ displayName: injection, password });
    expect(auth.user.displayName).toBe(injection);
    const login = await send("/api/auth/login", { body: JSON.stringify({ login: username, password }) });
    expect(login.status).toBe(200);
    const { token } = AuthResponse.parse(await login.json());
    const me = await send("/api/auth/me", { token });
    expect(MeResponse.parse(await me.json()).user).toEqual(auth.user);
    expect((await send("/api/auth/login", { body: JSON.stringify({ login: username, password: injection }) })).status).toBe(401);
  });
});

describe("unicode", () => {
  const SAMPLES: [string, string][] = [
    ["astral-plane characters", "𝕳𝖊𝖑𝖑𝖔 😀 𠜎"],
    ["ZWJ sequences", "👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈"],
    ["right-to-left scripts", "مرحبا بالعالم שלום"],
    ["a bidi override", "invoice\u202Efdp.exe\u202C"],
    ["combining marks", "Z\u0351\u0302\u0310a\u0322\u0316lgo e\u0301"],
    ["precomposed and decomposed forms side by side", "\u00e9 e\u0301 \u212b A\u030a"],
    ["zero-width characters", "a\u200Bb\u200Cc\u200Dd\u2060e\uFEFFf"],
    ["mixed scripts", "日本語 Ελληνικά Русский ქართული"],
  ];

  it.each(SAMPLES)("round-trip exactly in titles, content and downloads: %s", async (_, text) => {
    const user = await signUp(workerUrl, "unicode");
    const docId = await user.createDocument({ title: text, content: text });
    expect(await detail(user, docId)).toMatchObject({ title: text, text, length: [...text].length });
    const [listed] = DocumentList.parse(await (await user.request("/api/documents")).json()).items;
    expect(listed).toMatchObject({ id: docId, title: text });
    const raw = await user.request(`/api/documents/${docId}?format=raw`);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe(text);
    // The header is plain ASCII whatever the title.
    expect(raw.headers.get("content-disposition")).toMatch(/^attachment; filename="[\w.-]+\.txt"$/);

    const renamed = `${text} (2)`;
    expect((await user.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: renamed } })).status).toBe(200);
    expect((await user.request(`/api/documents/${docId}`, { method: "PUT", body: { content: `${text}\n${text}` } })).status).toBe(200);
    expect(await detail(user, docId)).toMatchObject({ title: renamed, text: `${text}\n${text}` });
  });

  // Bidi controls and invisible characters are refused in display names (protocol/accounts.ts): a cursor
  // label must not impersonate someone. The rest round-trips exactly.
  const NAME_SAMPLES = SAMPLES.filter(([, text]) => displayNameProblem(text) === undefined);
  it("keeps the display-name samples that are visible (and refuses the two that hide characters)", () => {
    expect(SAMPLES.filter(([, text]) => displayNameProblem(text) !== undefined).map(([name]) => name)).toEqual(["a bidi override", "zero-width characters"]);
  });

  it.each(NAME_SAMPLES)("round-trip exactly in display names, member lists and room tokens: %s", async (_, text) => {
    const { auth } = await register({ displayName: text });
    expect(auth.user.displayName).toBe(text);
    expect(MeResponse.parse(await (await send("/api/auth/me", { token: auth.token })).json()).user.displayName).toBe(text);

    const docId = await owner.createDocument();
    expect((await owner.request(`/api/documents/${docId}/members`, { body: { user: auth.user.username, role: "viewer" } })).status).toBe(201);
    const members = MemberList.parse(await (await owner.request(`/api/documents/${docId}/members`)).json()).members;
    expect(members.find((m) => m.user.id === auth.user.id)?.user.displayName).toBe(text);
    const grant = RoomTokenResponse.parse(await (await send(`/api/documents/${docId}/token`, { method: "POST", token: auth.token })).json());
    const claims = RoomTokenClaims.parse(JSON.parse(Buffer.from(grant.token.split(".")[1]!, "base64url").toString()));
    expect(claims.name).toBe(text);
  });

  it.each([
    ["a bell", "ding\u0007"],
    ["a newline", "two\nlines"],
    ["a tab", "tab\tbed"],
    ["an escape sequence", "\u001b[31mred\u001b[0m"],
    ["a delete character", "del\u007fete"],
    ["a NUL", "nul\u0000l"],
  ])("refuse control characters in display names (%s) with 400", async (_, displayName) => {
    const username = uniqueName("ctl");
    const response = await send("/api/auth/register", { body: JSON.stringify({ username, email: `${username}@example.test`, password: PASSWORD, displayName }) });
    const fields = await expectFields(response, ["body.displayName"]);
    expect(fields["body.displayName"]).toEqual(["Display name must not contain control characters"]);
    expect((await send("/api/auth/login", { body: JSON.stringify({ login: username, password: PASSWORD }) })).status).toBe(401);
  });

  // Postgres refuses U+0000 in text and would store an unpaired surrogate as U+FFFD: refused up front.
  it.each([
    ["a NUL", "a\u0000b"],
    ["an unpaired high surrogate", "a\ud83db"],
    ["an unpaired low surrogate", "\ude00b"],
  ])("refuse text Postgres cannot store (%s) with 400 naming the field, never 500", async (_, bad) => {
    const user = await signUp(workerUrl, "badtext");
    const docId = await user.createDocument({ title: "Kept", content: "kept" });
    const cases: [Promise<Response>, string][] = [
      [user.request("/api/documents", { body: { title: bad } }), "body.title"],
      [user.request("/api/documents", { body: { content: bad } }), "body.content"],
      [user.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: bad } }), "body.title"],
      [user.request(`/api/documents/${docId}`, { method: "PUT", body: { content: bad } }), "body.content"],
      [user.request(`/api/documents/${docId}/members`, { body: { user: bad, role: "viewer" } }), "body.user"],
      [send("/api/auth/login", { body: JSON.stringify({ login: bad, password: PASSWORD }) }), "body.login"],
      [send("/api/auth/register", { body: JSON.stringify({ username: uniqueName("s"), email: "s@example.test", password: `${PASSWORD}${bad}` }) }), "body.password"],
    ];
    // A URL cannot carry an unpaired surrogate (it has no UTF-8 encoding), but it can carry %00.
    if (bad.includes("\u0000")) {
      const inPath = encodeURIComponent(bad);
      cases.push(
        [user.request(`/api/documents/${docId}/members/${inPath}`, { method: "DELETE" }), "param.userId"],
        [user.request(`/api/documents/${docId}/links/${inPath}`, { method: "DELETE" }), "param.linkId"],
        [user.request(`/api/share/${inPath}/accept`, { method: "POST" }), "param.token"],
        [user.request(`/api/documents?cursor=${encodeURIComponent(btoa(JSON.stringify(["2020-01-01T00:00:00.000Z", bad])))}`), "query.cursor"],
      );
    }
    for (const [pending, field] of cases) {
      const response = await pending;
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
      const error = ErrorBody.parse(await response.json()).error;
      expect({ field, fields: Object.keys(ValidationDetails.parse(error.details).fields) }).toEqual({ field, fields: [field] });
    }
    expect(await documentIds(user)).toEqual([docId]);
    expect(await detail(user, docId)).toMatchObject({ title: "Kept", text: "kept" });
  });
});

describe("overlong values", () => {
  const long = (n: number) => "a".repeat(n);
  const email = (n: number) => `${long(n - "@example.test".length)}@example.test`;

  it.each([
    ["username", { username: long(33) }, "body.username", "Username must be at most 32 characters"],
    ["email", { email: email(255) }, "body.email", "Email must be at most 254 characters"],
    ["password", { password: long(257) }, "body.password", "Password must be at most 256 characters"],
    ["display name", { displayName: long(65) }, "body.displayName", "Display name must be at most 64 characters"],
  ])("register: a %s one character too long is refused with 400", async (_, change, field, message) => {
    const username = uniqueName("long");
    const body = { username, email: `${username}@example.test`, password: PASSWORD, ...change };
    const fields = await expectFields(await send("/api/auth/register", { body: JSON.stringify(body) }), [field]);
    expect(fields[field]).toEqual([message]);
    expect((await send("/api/auth/login", { body: JSON.stringify({ login: username, password: PASSWORD }) })).status).toBe(401);
  });

  it("register: every field at its longest is accepted", async () => {
    const username = uniqueName("max").padEnd(32, "x");
    const body = { username, email: `${username}@${long(254 - 33 - ".test".length)}.test`, password: long(256), displayName: long(64) };
    expect(body.email).toHaveLength(254);
    const response = await send("/api/auth/register", { body: JSON.stringify(body) });
    expect(response.status).toBe(201);
    expect(AuthResponse.parse(await response.json()).user).toMatchObject({ username, email: body.email, displayName: body.displayName });
  });

  it.each([
    ["login: login", () => send("/api/auth/login", { body: JSON.stringify({ login: long(255), password: "x" }) }), "body.login"],
    ["login: password", () => send("/api/auth/login", { body: JSON.stringify({ login: "someone", password: long(257) }) }), "body.password"],
    ["create: title", () => owner.request("/api/documents", { body: { title: long(201) } }), "body.title"],
    ["create: content", () => owner.request("/api/documents", { body: { content: long(MAX_TEXT_CHARS + 1) } }), "body.content"],
    ["rename: title", (docId: string) => owner.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: long(201) } }), "body.title"],
    ["replace: content", (docId: string) => owner.request(`/api/documents/${docId}`, { method: "PUT", body: { content: long(MAX_TEXT_CHARS + 1) } }), "body.content"],
    ["invite: user", (docId: string) => owner.request(`/api/documents/${docId}/members`, { body: { user: long(255), role: "viewer" } }), "body.user"],
    ["list: cursor", () => owner.request(`/api/documents?cursor=${long(2_001)}`), "query.cursor"],
    ["list: search", () => owner.request(`/api/documents?q=${long(201)}`), "query.q"],
    ["document id", () => owner.request(`/api/documents/${long(65)}`), "param.id"],
    ["member id", (docId: string) => owner.request(`/api/documents/${docId}/members/${long(65)}`, { method: "DELETE" }), "param.userId"],
    ["link id", (docId: string) => owner.request(`/api/documents/${docId}/links/${long(65)}`, { method: "DELETE" }), "param.linkId"],
    ["share token", () => owner.request(`/api/share/${long(101)}/accept`, { method: "POST" }), "param.token"],
  ])("%s one character too long is refused with 400 naming it, changing nothing", async (_, request, field) => {
    const docId = await owner.createDocument({ title: "Kept", content: "kept" });
    const before = await documentIds(owner);
    await expectFields(await request(docId), [field]);
    expect(await documentIds(owner)).toEqual(before);
    expect(await detail(owner, docId)).toMatchObject({ title: "Kept", text: "kept" });
  });

  it("documents: a 200-character title and content of MAX_TEXT_CHARS are accepted", async () => {
    const title = "t".repeat(200);
    const content = "c".repeat(MAX_TEXT_CHARS);
    const docId = await owner.createDocument({ title, content });
    expect(await detail(owner, docId)).toMatchObject({ title, length: MAX_TEXT_CHARS });
  });
});

describe("bodies over 1 MB", () => {
  const twoMegabytes = JSON.stringify({ content: "x".repeat(2 * 1024 * 1024) });

  /**
   * A streamed body is refused once 1 MB has been read, while the client is still sending. Under
   * `wrangler dev` the request passes through wrangler's ProxyWorker, which now and then reports that
   * as "Network connection lost" with a 500 of its own (not our error body), or drops the socket. That is
   * the dev server, not the worker: such an attempt is retried; any answer of the worker's own must be 413.
   */
  async function sendLarge(path: string, method: string, headers: Record<string, string>, streamed: boolean): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const init = { method, headers, body: streamed ? new Blob([twoMegabytes]).stream() : twoMegabytes, duplex: "half" } as RequestInit;
      const response = await fetch(`${workerUrl}${path}`, init).catch((error: unknown) => error as Error);
      const fromProxy = response instanceof Error || (response.status === 500 && !ErrorBody.safeParse(await response.clone().json().catch(() => null)).success);
      if (!streamed || !fromProxy || attempt === 5) {
        if (response instanceof Error) throw response;
        return response;
      }
    }
  }

  it.each([
    ["with a Content-Length", false],
    ["streamed without a Content-Length", true],
  ])("are refused with 413 before anything reads them (%s)", async (_, streamed) => {
    const user = await signUp(workerUrl, "big");
    const docId = await user.createDocument({ content: "kept" });
    const targets: [string, string, boolean][] = [
      ["POST", "/api/documents", true],
      ["PUT", `/api/documents/${docId}`, true],
      ["POST", "/api/auth/register", false],
      ["POST", "/api/auth/login", false],
    ];
    for (const [method, path, authorised] of targets) {
      const headers = { "content-type": "application/json", ...clientHeaders(testIp()), ...(authorised ? { authorization: `Bearer ${user.token}` } : {}) };
      const response = await sendLarge(path, method, headers, streamed);
      expect({ path, status: response.status }).toEqual({ path, status: 413 });
      expect(ErrorBody.parse(await response.json()).error.code).toBe(ErrorCode.PayloadTooLarge);
    }
    expect(await documentIds(user)).toEqual([docId]);
    expect((await detail(user, docId)).text).toBe("kept");
  });
});

describe("wrong content types", () => {
  it.each([
    ["text/plain", "text/plain"],
    ["a form", "application/x-www-form-urlencoded"],
    ["multipart", "multipart/form-data; boundary=x"],
    ["XML", "application/xml"],
    ["no content type", null],
  ])("are refused with 415 on every JSON endpoint (%s)", async (_, contentType) => {
    const user = await signUp(workerUrl, "ctype");
    const docId = await user.createDocument({ title: "Kept", content: "kept" });
    const username = uniqueName("ct");
    const targets: [string, string, unknown][] = [
      ["POST", "/api/auth/register", { username, email: `${username}@example.test`, password: PASSWORD }],
      ["POST", "/api/auth/login", { login: user.username, password: PASSWORD }],
      ["POST", "/api/documents", { title: "new" }],
      ["PUT", `/api/documents/${docId}`, { content: "replaced" }],
      ["PATCH", `/api/documents/${docId}`, { title: "renamed" }],
      ["POST", `/api/documents/${docId}/members`, { user: owner.username, role: "editor" }],
      ["POST", `/api/documents/${docId}/links`, { role: "editor" }],
    ];
    for (const [method, path, body] of targets) {
      const response = await send(path, { method, body: JSON.stringify(body), contentType, token: user.token });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 415 });
      expect(ErrorBody.parse(await response.json()).error.code).toBe(ErrorCode.UnsupportedMediaType);
    }
    expect(await documentIds(user)).toEqual([docId]);
    expect(await detail(user, docId)).toMatchObject({ title: "Kept", text: "kept" });
    expect(MemberList.parse(await (await user.request(`/api/documents/${docId}/members`)).json()).members).toHaveLength(1);
    expect((await send("/api/auth/login", { body: JSON.stringify({ login: username, password: PASSWORD }) })).status).toBe(401);
  });
});

describe("bodies that are not a JSON object", () => {
  it.each([
    ["a truncated object", '{"', ErrorCode.MalformedRequest],
    ["a missing value", '{"title": }', ErrorCode.MalformedRequest],
    ["single quotes", "{'title': 'x'}", ErrorCode.MalformedRequest],
    ["a trailing comma", '{"title": "x",}', ErrorCode.MalformedRequest],
    ["an empty body", "", ErrorCode.MalformedRequest],
    ["a byte-order mark before the JSON", '\uFEFF{"title": "x"}', ErrorCode.MalformedRequest],
    ["an array", "[]", ErrorCode.ValidationFailed],
    ["null", "null", ErrorCode.ValidationFailed],
    ["a string", '"title"', ErrorCode.ValidationFailed],
    ["a number", "42", ErrorCode.ValidationFailed],
    ["a deeply nested array", `${"[".repeat(100_000)}${"]".repeat(100_000)}`, ErrorCode.ValidationFailed],
  ])("are refused with 400 (%s)", async (_, body, code) => {
    const user = await signUp(workerUrl, "badjson");
    const docId = await user.createDocument({ title: "Kept" });
    const targets: [string, string][] = [
      ["POST", "/api/documents"],
      ["PATCH", `/api/documents/${docId}`],
      ["PUT", `/api/documents/${docId}`],
      ["POST", `/api/documents/${docId}/members`],
      ["POST", "/api/auth/register"],
      ["POST", "/api/auth/login"],
    ];
    for (const [method, path] of targets) {
      const response = await send(path, { method, body, token: user.token });
      const error = ErrorBody.parse(await response.json()).error;
      expect({ path, status: response.status, code: error.code }).toEqual({ path, status: 400, code });
      if (code === ErrorCode.ValidationFailed) expect(Object.keys(ValidationDetails.parse(error.details).fields)).toEqual(["body"]);
    }
    expect(await documentIds(user)).toEqual([docId]);
    expect((await detail(user, docId)).title).toBe("Kept");
  });

  it("ignores keys that are not in the schema, __proto__ included", async () => {
    const user = await signUp(workerUrl, "proto");
    const response = await send("/api/documents", {
      body: '{"__proto__": {"role": "viewer", "title": "polluted"}, "constructor": {"prototype": {"x": 1}}, "role": "viewer", "ownerId": "someone", "title": "clean"}',
      token: user.token,
    });
    expect(response.status).toBe(201);
    const doc = DocumentSummary.parse(await response.json());
    expect(doc).toMatchObject({ title: "clean", role: "owner", owner: { id: user.id } });
  });
});
