import { openDatabase } from "@collab/db";
import {
  AcceptShareLinkResponse,
  DocumentDetail,
  ErrorBody,
  ErrorCode,
  Member,
  MemberList,
  ShareLink,
  ShareLinkList,
  ValidationDetails,
  type Role,
} from "@collab/protocol";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { useNodeWebSocket } from "../tools/db/node-websocket.ts";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";

/**
 * Members and share links against the worker under `wrangler dev` and the real database. Every test makes
 * its own document; the users below are only identities (each test gives them roles on its own document).
 */
const { workerUrl, databaseUrl, wsProxy } = inject("stack");

let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;
beforeAll(async () => {
  [owner, editor, viewer, stranger] = await Promise.all([
    signUp(workerUrl, "owner"),
    signUp(workerUrl, "editor"),
    signUp(workerUrl, "viewer"),
    signUp(workerUrl, "stranger"),
  ]);
});

async function invite(docId: string, user: string, role: Exclude<Role, "owner">, by = owner): Promise<Response> {
  return by.request(`/api/documents/${docId}/members`, { body: { user, role } });
}

/** A new document of `owner`'s with an editor and a viewer. */
async function sharedDocument(): Promise<string> {
  const docId = await owner.createDocument({ content: "shared" });
  expect((await invite(docId, editor.username, "editor")).status).toBe(201);
  expect((await invite(docId, viewer.username, "viewer")).status).toBe(201);
  return docId;
}

/** The caller's role on a document, or the HTTP status when they cannot see it. */
async function roleOf(user: TestUser, docId: string): Promise<Role | number> {
  const response = await user.request(`/api/documents/${docId}`);
  return response.status === 200 ? DocumentDetail.parse(await response.json()).role : response.status;
}

async function members(docId: string): Promise<Record<string, Role>> {
  const response = await owner.request(`/api/documents/${docId}/members`);
  expect(response.status).toBe(200);
  return Object.fromEntries(MemberList.parse(await response.json()).members.map((member) => [member.user.id, member.role]));
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody["error"]> {
  expect(response.status).toBe(status);
  const error = ErrorBody.parse(await response.json()).error;
  expect(error.code).toBe(code);
  return error;
}

async function expectFields(response: Response, fields: string[]): Promise<void> {
  const error = await expectError(response, 400, ErrorCode.ValidationFailed);
  expect(Object.keys(ValidationDetails.parse(error.details).fields).sort()).toEqual(fields);
}

async function createLink(docId: string, body: { role: string; expiresInHours?: number }): Promise<ShareLink> {
  const response = await owner.request(`/api/documents/${docId}/links`, { body });
  expect(response.status).toBe(201);
  return ShareLink.parse(await response.json());
}

const accept = (user: TestUser, token: string) => user.request(`/api/share/${encodeURIComponent(token)}/accept`, { method: "POST" });
const noSession = (path: string, init: RequestInit = {}) => fetch(`${workerUrl}${path}`, init);

describe("GET /api/documents/{id}/members", () => {
  it("lists the owner first, then members in the order they joined, to anyone with a role", async () => {
    const docId = await sharedDocument();
    for (const user of [owner, editor, viewer]) {
      const response = await user.request(`/api/documents/${docId}/members`);
      expect(response.status).toBe(200);
      const list = MemberList.parse(await response.json()).members;
      expect(list.map((member) => [member.user.id, member.user.username, member.role])).toEqual([
        [owner.id, owner.username, "owner"],
        [editor.id, editor.username, "editor"],
        [viewer.id, viewer.username, "viewer"],
      ]);
    }
  });

  it("answers 404 to a stranger and 401 without a session", async () => {
    const docId = await owner.createDocument();
    await expectError(await stranger.request(`/api/documents/${docId}/members`), 404, ErrorCode.NotFound);
    await expectError(await noSession(`/api/documents/${docId}/members`), 401, ErrorCode.Unauthorized);
  });
});

describe("POST /api/documents/{id}/members", () => {
  it.each([
    ["username", () => stranger.username],
    ["upper-cased username", () => stranger.username.toUpperCase()],
  ])("invites by %s with a role", async (_, login) => {
    const docId = await owner.createDocument();
    const response = await invite(docId, login(), "editor");
    expect(response.status).toBe(201);
    const member = Member.parse(await response.json());
    expect(member).toMatchObject({ role: "editor", user: { id: stranger.id, username: stranger.username, displayName: stranger.displayName } });
    expect(await roleOf(stranger, docId)).toBe("editor");
  });

  it("changes the role of someone invited again", async () => {
    const docId = await sharedDocument();
    const response = await invite(docId, editor.username, "viewer");
    expect(response.status).toBe(201);
    expect(Member.parse(await response.json()).role).toBe("viewer");
    expect(await roleOf(editor, docId)).toBe("viewer");
  });

  it("never looks up an email: inviting someone by their address answers as for nobody (no account is revealed)", async () => {
    const docId = await owner.createDocument();
    await expectError(await invite(docId, `${stranger.username}@example.test`, "viewer"), 404, ErrorCode.NotFound);
    expect(Object.keys(await members(docId))).toEqual([owner.id]);
  });

  it("answers 404 for an unknown user", async () => {
    const docId = await owner.createDocument();
    await expectError(await invite(docId, `nobody_${Date.now()}`, "viewer"), 404, ErrorCode.NotFound);
    expect(Object.keys(await members(docId))).toEqual([owner.id]);
  });

  it("answers 400 for inviting the owner", async () => {
    const docId = await owner.createDocument();
    await expectFields(await invite(docId, owner.username, "viewer"), ["body.user"]);
    expect(await members(docId)).toEqual({ [owner.id]: "owner" });
  });

  it.each([
    ["the owner role", { user: "someone", role: "owner" }, ["body.role"]],
    ["an unknown role", { user: "someone", role: "admin" }, ["body.role"]],
    ["a blank user", { user: "  ", role: "viewer" }, ["body.user"]],
    ["nothing", {}, ["body.role", "body.user"]],
  ])("answers 400 for %s", async (_, body, fields) => {
    const docId = await owner.createDocument();
    await expectFields(await owner.request(`/api/documents/${docId}/members`, { body }), fields);
  });

  it.each([
    ["an editor", () => editor, 403, ErrorCode.Forbidden],
    ["a viewer", () => viewer, 403, ErrorCode.Forbidden],
    ["a stranger", () => stranger, 404, ErrorCode.NotFound],
  ])("refuses %s, adding nobody", async (_, by, status, code) => {
    const docId = await sharedDocument();
    const outsider = await signUp(workerUrl, "outsider");
    await expectError(await invite(docId, outsider.username, "editor", by()), status, code);
    expect(await roleOf(outsider, docId)).toBe(404);
  });

  it("answers 401 without a session", async () => {
    const docId = await owner.createDocument();
    const response = await noSession(`/api/documents/${docId}/members`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: stranger.username, role: "editor" }),
    });
    await expectError(response, 401, ErrorCode.Unauthorized);
  });
});

describe("PATCH /api/documents/{id}/members/{userId}", () => {
  it("changes a member's role", async () => {
    const docId = await sharedDocument();
    const response = await owner.request(`/api/documents/${docId}/members/${viewer.id}`, { method: "PATCH", body: { role: "editor" } });
    expect(response.status).toBe(200);
    expect(Member.parse(await response.json())).toMatchObject({ role: "editor", user: { id: viewer.id } });
    expect(await roleOf(viewer, docId)).toBe("editor");
  });

  it.each([
    ["someone who is not a member", () => stranger.id],
    ["the owner (who is not a member)", () => owner.id],
  ])("answers 404 for %s", async (_, userId) => {
    const docId = await sharedDocument();
    await expectError(await owner.request(`/api/documents/${docId}/members/${userId()}`, { method: "PATCH", body: { role: "editor" } }), 404, ErrorCode.NotFound);
    expect(await roleOf(stranger, docId)).toBe(404);
  });

  it.each([
    ["the owner role", { role: "owner" }],
    ["no role", {}],
  ])("answers 400 for %s", async (_, body) => {
    const docId = await sharedDocument();
    await expectFields(await owner.request(`/api/documents/${docId}/members/${viewer.id}`, { method: "PATCH", body }), ["body.role"]);
    expect(await roleOf(viewer, docId)).toBe("viewer");
  });

  it("refuses anyone but the owner: an editor cannot promote a viewer, nor a viewer themselves", async () => {
    const docId = await sharedDocument();
    await expectError(await editor.request(`/api/documents/${docId}/members/${viewer.id}`, { method: "PATCH", body: { role: "editor" } }), 403, ErrorCode.Forbidden);
    await expectError(await viewer.request(`/api/documents/${docId}/members/${viewer.id}`, { method: "PATCH", body: { role: "editor" } }), 403, ErrorCode.Forbidden);
    await expectError(await stranger.request(`/api/documents/${docId}/members/${viewer.id}`, { method: "PATCH", body: { role: "editor" } }), 404, ErrorCode.NotFound);
    const anonymous = await noSession(`/api/documents/${docId}/members/${viewer.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: '{"role":"editor"}' });
    await expectError(anonymous, 401, ErrorCode.Unauthorized);
    expect(await roleOf(viewer, docId)).toBe("viewer");
  });
});

describe("DELETE /api/documents/{id}/members/{userId}", () => {
  it("removes a member: the document is then 404 for them", async () => {
    const docId = await sharedDocument();
    const response = await owner.request(`/api/documents/${docId}/members/${editor.id}`, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect(await roleOf(editor, docId)).toBe(404);
    expect(await members(docId)).toEqual({ [owner.id]: "owner", [viewer.id]: "viewer" });
    await expectError(await owner.request(`/api/documents/${docId}/members/${editor.id}`, { method: "DELETE" }), 404, ErrorCode.NotFound);
  });

  it("refuses anyone but the owner: an editor cannot remove a viewer", async () => {
    const docId = await sharedDocument();
    await expectError(await editor.request(`/api/documents/${docId}/members/${viewer.id}`, { method: "DELETE" }), 403, ErrorCode.Forbidden);
    await expectError(await viewer.request(`/api/documents/${docId}/members/${editor.id}`, { method: "DELETE" }), 403, ErrorCode.Forbidden);
    await expectError(await stranger.request(`/api/documents/${docId}/members/${viewer.id}`, { method: "DELETE" }), 404, ErrorCode.NotFound);
    await expectError(await noSession(`/api/documents/${docId}/members/${viewer.id}`, { method: "DELETE" }), 401, ErrorCode.Unauthorized);
    expect(await members(docId)).toEqual({ [owner.id]: "owner", [editor.id]: "editor", [viewer.id]: "viewer" });
  });
});

describe("share links", () => {
  it("creates links with and without an expiry, and lists them to the owner", async () => {
    const docId = await owner.createDocument();
    const forever = await createLink(docId, { role: "viewer" });
    expect(forever).toMatchObject({ role: "viewer", expiresAt: null });
    expect(forever.token.length).toBeGreaterThanOrEqual(32);
    const before = Date.now();
    const brief = await createLink(docId, { role: "editor", expiresInHours: 2 });
    expect(brief.role).toBe("editor");
    expect(Math.abs(Date.parse(brief.expiresAt!) - (before + 2 * 3_600_000))).toBeLessThan(60_000);
    expect(brief.token).not.toBe(forever.token);

    const response = await owner.request(`/api/documents/${docId}/links`);
    expect(response.status).toBe(200);
    expect(ShareLinkList.parse(await response.json()).links).toEqual([forever, brief]);
  });

  it.each([
    ["the owner role", { role: "owner" }, ["body.role"]],
    ["no role", {}, ["body.role"]],
    ["an expiry of 0 hours", { role: "viewer", expiresInHours: 0 }, ["body.expiresInHours"]],
    ["a fractional expiry", { role: "viewer", expiresInHours: 1.5 }, ["body.expiresInHours"]],
    ["an expiry over a year", { role: "viewer", expiresInHours: 24 * 365 + 1 }, ["body.expiresInHours"]],
    ["an expiry given as text", { role: "viewer", expiresInHours: "2" }, ["body.expiresInHours"]],
  ])("answers 400 for %s", async (_, body, fields) => {
    const docId = await owner.createDocument();
    await expectFields(await owner.request(`/api/documents/${docId}/links`, { body }), fields);
  });

  it("lets only the owner create, list and revoke links", async () => {
    const docId = await sharedDocument();
    const link = await createLink(docId, { role: "editor" });
    for (const [user, status, code] of [[editor, 403, ErrorCode.Forbidden], [viewer, 403, ErrorCode.Forbidden], [stranger, 404, ErrorCode.NotFound]] as const) {
      await expectError(await user.request(`/api/documents/${docId}/links`), status, code);
      await expectError(await user.request(`/api/documents/${docId}/links`, { body: { role: "editor" } }), status, code);
      await expectError(await user.request(`/api/documents/${docId}/links/${link.id}`, { method: "DELETE" }), status, code);
    }
    await expectError(await noSession(`/api/documents/${docId}/links`), 401, ErrorCode.Unauthorized);
    await expectError(await noSession(`/api/documents/${docId}/links`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"role":"editor"}' }), 401, ErrorCode.Unauthorized);
    await expectError(await noSession(`/api/documents/${docId}/links/${link.id}`, { method: "DELETE" }), 401, ErrorCode.Unauthorized);
    expect(ShareLinkList.parse(await (await owner.request(`/api/documents/${docId}/links`)).json()).links).toEqual([link]);
  });

  it("grants the link's role to whoever accepts it", async () => {
    const docId = await owner.createDocument();
    const link = await createLink(docId, { role: "viewer" });
    const newcomer = await signUp(workerUrl, "newcomer");
    const response = await accept(newcomer, link.token);
    expect(response.status).toBe(200);
    expect(AcceptShareLinkResponse.parse(await response.json())).toEqual({ documentId: docId, role: "viewer" });
    expect(await roleOf(newcomer, docId)).toBe("viewer");
    // Accepting again changes nothing.
    expect(AcceptShareLinkResponse.parse(await (await accept(newcomer, link.token)).json()).role).toBe("viewer");
  });

  it("upgrades a viewer who accepts an editor link", async () => {
    const docId = await sharedDocument();
    const link = await createLink(docId, { role: "editor" });
    expect(AcceptShareLinkResponse.parse(await (await accept(viewer, link.token)).json()).role).toBe("editor");
    expect(await roleOf(viewer, docId)).toBe("editor");
  });

  it("never downgrades: an editor accepting a viewer link stays an editor, the owner stays the owner", async () => {
    const docId = await sharedDocument();
    const link = await createLink(docId, { role: "viewer" });
    expect(AcceptShareLinkResponse.parse(await (await accept(editor, link.token)).json())).toEqual({ documentId: docId, role: "editor" });
    expect(AcceptShareLinkResponse.parse(await (await accept(owner, link.token)).json())).toEqual({ documentId: docId, role: "owner" });
    expect(await members(docId)).toEqual({ [owner.id]: "owner", [editor.id]: "editor", [viewer.id]: "viewer" });
  });

  it("revokes a link: it then answers 410, is no longer listed, and those who joined through it stay", async () => {
    const docId = await owner.createDocument();
    const link = await createLink(docId, { role: "editor" });
    const early = await signUp(workerUrl, "early");
    expect((await accept(early, link.token)).status).toBe(200);

    const response = await owner.request(`/api/documents/${docId}/links/${link.id}`, { method: "DELETE" });
    expect(response.status).toBe(204);
    await expectError(await accept(stranger, link.token), 410, ErrorCode.Gone);
    expect(await roleOf(stranger, docId)).toBe(404);
    expect(ShareLinkList.parse(await (await owner.request(`/api/documents/${docId}/links`)).json()).links).toEqual([]);
    expect(await roleOf(early, docId)).toBe("editor");
    await expectError(await owner.request(`/api/documents/${docId}/links/${link.id}`, { method: "DELETE" }), 404, ErrorCode.NotFound);
  });

  it("answers 410 for an expired link", async () => {
    const docId = await owner.createDocument();
    const link = await createLink(docId, { role: "editor", expiresInHours: 1 });
    useNodeWebSocket();
    const { db, end } = openDatabase({ databaseUrl, wsProxy });
    try {
      await db.execute(sql`update share_links set expires_at = now() - interval '1 second' where id = ${link.id}`);
    } finally {
      await end();
    }
    await expectError(await accept(stranger, link.token), 410, ErrorCode.Gone);
    expect(await roleOf(stranger, docId)).toBe(404);
  });

  it("answers 404 for an unknown token or a link of another document, and 401 without a session", async () => {
    const [docId, otherDoc] = [await owner.createDocument(), await owner.createDocument()];
    const link = await createLink(docId, { role: "viewer" });
    await expectError(await accept(stranger, `${link.token}x`), 404, ErrorCode.NotFound);
    await expectError(await owner.request(`/api/documents/${otherDoc}/links/${link.id}`, { method: "DELETE" }), 404, ErrorCode.NotFound);
    await expectError(await noSession(`/api/share/${link.token}/accept`, { method: "POST" }), 401, ErrorCode.Unauthorized);
    // The link itself still works.
    expect((await accept(stranger, link.token)).status).toBe(200);
  });

  it("stops working when its document is deleted", async () => {
    const docId = await owner.createDocument();
    const link = await createLink(docId, { role: "viewer" });
    expect((await owner.request(`/api/documents/${docId}`, { method: "DELETE" })).status).toBe(204);
    await expectError(await accept(stranger, link.token), 404, ErrorCode.NotFound);
  });
});
