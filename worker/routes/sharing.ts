import {
  createShareLink,
  findDocumentAccess,
  findMemberRole,
  findShareLink,
  findUserByUsername,
  listMembers,
  listShareLinks,
  removeMember,
  revokeShareLink,
  upsertMember,
  type MemberRow,
  type ShareLinkRow,
} from "@collab/db";
import {
  AcceptShareLinkResponse,
  CreateShareLinkRequest,
  DocId,
  ErrorCode,
  InviteRequest,
  Member,
  MemberList,
  ShareLink,
  ShareLinkList,
  UpdateMemberRequest,
  colorFor,
  newDocId,
  roleAtLeast,
  type GrantableRole,
  type Role,
} from "@collab/protocol";
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { randomId, requireUser } from "../auth/session.ts";
import { ApiError, forbiddenError, notFoundError } from "../errors.ts";
import { sendRoomCommand } from "../rooms.ts";
import { requireRole } from "./access.ts";
import { errors, json, jsonBody, noContent, router } from "./openapi.ts";

const tags = ["sharing"];
const middleware = [requireUser];
const docParams = z.object({ id: DocId });
const memberParams = z.object({ id: DocId, userId: z.string().min(1).max(64) });
const linkParams = z.object({ id: DocId, linkId: z.string().min(1).max(64) });

export const sharingRoutes = router()
  .openapi(
    createRoute({
      method: "get", path: "/documents/{id}/members", tags, middleware, summary: "The owner and members of a document",
      request: { params: docParams },
      responses: { 200: json(MemberList, "Owner first"), ...errors(401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireRole(c, id, "viewer");
      const members = await listMembers(c.var.db, id);
      return c.json({ members: members.map(toMember) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/documents/{id}/members", tags, middleware, summary: "Invite a user by username (owner)",
      description: "Inviting someone who is already a member changes their role. People are invited by their username, their public handle: emails are never looked up for others, so no answer tells whether an address has an account.",
      request: { params: docParams, ...jsonBody(InviteRequest) },
      responses: { 201: json(Member, "Invited"), ...errors(400, 401, 403, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { user: login, role } = c.req.valid("json");
      const doc = await requireRole(c, id, "owner");
      const invitee = await findUserByUsername(c.var.db, login.toLowerCase());
      if (!invitee) throw notFoundError("User");
      if (invitee.id === doc.owner.id) throw new ApiError(400, ErrorCode.ValidationFailed, "The owner is already in the document", { details: { fields: { "body.user": ["That is the owner"] } } });
      await changeAccess(c, id, invitee.id, await findMemberRole(c.var.db, id, invitee.id), role);
      const member = (await listMembers(c.var.db, id)).find((m) => m.user.id === invitee.id)!;
      return c.json(toMember(member), 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch", path: "/documents/{id}/members/{userId}", tags, middleware, summary: "Change a member's role (owner)",
      description: "Their open connections are closed within a second and reconnect with the new role.",
      request: { params: memberParams, ...jsonBody(UpdateMemberRequest) },
      responses: { 200: json(Member, "Updated"), ...errors(400, 401, 403, 404, 503) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid("param");
      const { role } = c.req.valid("json");
      await requireRole(c, id, "owner");
      const current = await findMemberRole(c.var.db, id, userId);
      if (!current) throw notFoundError("Member");
      await changeAccess(c, id, userId, current, role);
      const member = (await listMembers(c.var.db, id)).find((m) => m.user.id === userId)!;
      return c.json(toMember(member), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete", path: "/documents/{id}/members/{userId}", tags, middleware, summary: "Remove a member (owner), or leave (the member themself)",
      description: "Their open connections are closed within a second (4403) and the document leaves their list. A member may remove themself (\"Leave\"); the owner cannot leave their own document (403): they delete it instead.",
      request: { params: memberParams },
      responses: { 204: noContent, ...errors(401, 403, 404, 503) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid("param");
      if (userId === c.var.user.id) {
        const doc = await requireRole(c, id, "viewer");
        if (doc.role === "owner") throw forbiddenError("The owner cannot leave their document; delete it instead");
      } else {
        await requireRole(c, id, "owner");
      }
      const current = await findMemberRole(c.var.db, id, userId);
      if (!current) throw notFoundError("Member");
      await changeAccess(c, id, userId, current, null);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get", path: "/documents/{id}/links", tags, middleware, summary: "Share links that were not revoked (owner)",
      request: { params: docParams },
      responses: { 200: json(ShareLinkList, "Links"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireRole(c, id, "owner");
      return c.json({ links: (await listShareLinks(c.var.db, id)).map(toShareLink) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/documents/{id}/links", tags, middleware, summary: "Create a share link (owner)",
      request: { params: docParams, ...jsonBody(CreateShareLinkRequest) },
      responses: { 201: json(ShareLink, "Created"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { role, expiresInHours } = c.req.valid("json");
      await requireRole(c, id, "owner");
      const link = await createShareLink(c.var.db, {
        id: newDocId(),
        documentId: id,
        token: randomId(24),
        role,
        createdBy: c.var.user.id,
        expiresAt: expiresInHours ? new Date(Date.now() + expiresInHours * 3_600_000) : null,
      });
      return c.json(toShareLink(link), 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete", path: "/documents/{id}/links/{linkId}", tags, middleware, summary: "Revoke a share link (owner)",
      description: "People who already joined through it keep their membership; remove them as members to take it away.",
      request: { params: linkParams },
      responses: { 204: noContent, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const { id, linkId } = c.req.valid("param");
      await requireRole(c, id, "owner");
      if (!(await revokeShareLink(c.var.db, id, linkId))) throw notFoundError("Share link");
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/share/{token}/accept", tags, middleware, summary: "Join a document through a share link",
      description: "Grants the link's role, or keeps a higher role the caller already has.",
      request: { params: z.object({ token: z.string().min(1).max(100) }) },
      responses: { 200: json(AcceptShareLinkResponse, "Joined"), ...errors(401, 404, 410) },
    }),
    async (c) => {
      const link = await findShareLink(c.var.db, c.req.valid("param").token);
      if (!link) throw notFoundError("Share link");
      if (link.revokedAt || (link.expiresAt && link.expiresAt.getTime() <= Date.now())) {
        throw new ApiError(410, ErrorCode.Gone, "This share link has expired or was revoked");
      }
      const userId = c.var.user.id;
      const current = await currentRole(c, link.documentId);
      let role: Role = current ?? link.role;
      if (link.ownerId !== userId && !(current && roleAtLeast(current, link.role))) {
        await changeAccess(c, link.documentId, userId, current === "owner" ? undefined : current, link.role);
        role = link.role;
      }
      return c.json({ documentId: link.documentId, role }, 200);
    },
  );

/** The caller's role on the document, if any. A database failure is not "no role": it reaches onError (503). */
async function currentRole(c: Context<AppEnv>, docId: string): Promise<Role | undefined> {
  return (await findDocumentAccess(c.var.db, docId, c.var.user.id))?.role;
}

/**
 * Changes a member's role in the row and in the room, in the order that fails safe. The room's recorded
 * role is an upper bound on what it admits; tokens are issued from the row.
 * - Taking access away (removal, downgrade): the room first. If the room cannot be told, nothing changed
 *   and the request answers 503; if the row then fails, the room already refuses the old role. Never a
 *   removed member who keeps writing because the row went first. A retry completes it.
 * - Granting (invite, upgrade): the row first, so that the sockets the room closes (4409) come back with a
 *   token for the new role. If the room cannot be told, the old recorded role still bounds what it admits.
 * Open sockets of that user follow the change within a second (closed, or reconnected with the new role).
 */
async function changeAccess(c: Context<AppEnv>, docId: string, userId: string, current: GrantableRole | undefined, role: GrantableRole | null): Promise<void> {
  const { db, config, log } = c.var;
  const write = () => (role === null ? removeMember(db, docId, userId) : upsertMember(db, docId, userId, role));
  const notify = () => sendRoomCommand(config, docId, { type: "access-changed", userId, role }, log);
  const lowering = role === null || (current !== undefined && !roleAtLeast(role, current));
  if (lowering) {
    await notify();
    await write();
  } else {
    await write();
    await notify();
  }
}

function toMember(row: MemberRow): Member {
  return { user: { ...row.user, color: colorFor(row.user.id).color }, role: row.role, createdAt: row.createdAt.toISOString() };
}

function toShareLink(row: ShareLinkRow): ShareLink {
  return {
    id: row.id,
    role: row.role,
    token: row.token,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
