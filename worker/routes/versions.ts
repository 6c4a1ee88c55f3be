import { deleteVersion, getVersion, listVersions, usersById, type VersionRow } from "@collab/db";
import type { AuthorshipView } from "@collab/protocol/line-authors";
import { AuthorshipResponse, CreateVersionRequest, DocId, ErrorCode, ListVersionsQuery, RestoreVersionRequest, VersionDetail, VersionId, VersionList, VersionSummary, colorFor } from "@collab/protocol";
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { requireUser } from "../auth/session.ts";
import type { AppEnv } from "../context.ts";
import { ApiError, notFoundError } from "../errors.ts";
import { queryRoom, sendRoomCommand } from "../rooms.ts";
import { requireRole } from "./access.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { errors, json, jsonBody, noContent, router } from "./openapi.ts";

const tags = ["versions"];
const middleware = [requireUser];
const params = z.object({ id: DocId });
const versionParams = z.object({ id: DocId, versionId: VersionId });

/**
 * Version history (issue 11). Reading is for every role; naming and restoring for editors and the owner;
 * deleting a named version for the owner. Versions are written by the document's room (it holds the live
 * state and knows who edited), so naming and restoring are room commands; reads come from Postgres.
 */
export const versionRoutes = router()
  .openapi(
    createRoute({
      method: "get", path: "/documents/{id}/versions", tags, middleware, summary: "List versions, newest first",
      description: "Keyset pagination: pass the previous page's `nextCursor` as `cursor` until it is null.",
      request: { params, query: ListVersionsQuery },
      responses: { 200: json(VersionList, "A page of versions"), ...errors(400, 401, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      await requireRole(c, id, "viewer");
      const after = decodeCursor(cursor);
      const rows = await listVersions(c.var.db, id, { limit: limit + 1, after: after && { createdAt: after.at, id: after.id } });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor = rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null;
      return c.json({ items: await summaries(c, page), nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/documents/{id}/versions", tags, middleware, summary: "Save the live document as a named version (editor)",
      request: { params, ...jsonBody(CreateVersionRequest) },
      responses: { 201: json(VersionSummary, "Saved"), ...errors(400, 401, 403, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { name } = c.req.valid("json");
      await requireRole(c, id, "editor");
      const { versionId } = (await sendRoomCommand(c.var.config, id, { type: "save-version", name, userId: c.var.user.id }, c.var.log)) as { versionId: string };
      return c.json(await summaryOf(c, id, versionId), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get", path: "/documents/{id}/versions/{versionId}", tags, middleware, summary: "A version with its text",
      request: { params: versionParams },
      responses: { 200: json(VersionDetail, "The version"), ...errors(400, 401, 404, 503) },
    }),
    async (c) => {
      const { id, versionId } = c.req.valid("param");
      await requireRole(c, id, "viewer");
      const row = await getVersion(c.var.db, id, versionId);
      if (!row) throw notFoundError("Version");
      const [summary] = await summaries(c, [row]);
      return c.json({ ...summary!, text: row.text }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/documents/{id}/versions/{versionId}/restore", tags, middleware, summary: "Restore a version (editor)",
      description:
        "Writes the version's text into the live document as one minimal edit (a forward change: everyone's cursors stay, and the text it replaces is kept as a version first), and answers with the new `restore` version. With `{ \"applied\": true }` the caller's client has already written the text (so that its own undo takes it back) and only the `restore` version is recorded.",
      request: {
        params: versionParams,
        // Optional: a restore without a body is the room's own edit.
        body: { content: { "application/json": { schema: RestoreVersionRequest } }, required: false },
      },
      responses: { 200: json(VersionSummary, "The version the restore made"), ...errors(400, 401, 403, 404, 503) },
    }),
    async (c) => {
      const { id, versionId } = c.req.valid("param");
      const { applied } = c.req.valid("json");
      await requireRole(c, id, "editor");
      const command = { type: "restore-version" as const, versionId, userId: c.var.user.id, userName: c.var.user.displayName ?? c.var.user.username, applied };
      const result = (await sendRoomCommand(c.var.config, id, command, c.var.log)) as { versionId?: string; notFound?: true };
      if (result.notFound || !result.versionId) throw notFoundError("Version");
      return c.json(await summaryOf(c, id, result.versionId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete", path: "/documents/{id}/versions/{versionId}", tags, middleware, summary: "Delete a named version (owner)",
      description: "Automatic and restore versions are kept by the retention rule; only named versions can be deleted.",
      request: { params: versionParams },
      responses: { 204: noContent, ...errors(400, 401, 403, 404, 503) },
    }),
    async (c) => {
      const { id, versionId } = c.req.valid("param");
      await requireRole(c, id, "owner");
      const row = await getVersion(c.var.db, id, versionId);
      if (!row) throw notFoundError("Version");
      if (row.kind !== "named") {
        throw new ApiError(400, ErrorCode.ValidationFailed, "Only named versions can be deleted", { details: { fields: { "params.versionId": [`This is an ${row.kind} version`] } } });
      }
      await deleteVersion(c.var.db, id, versionId);
      return c.body(null, 204);
    },
  );

/**
 * Who last wrote on each line of the live text (the room computes it from its verified writer records), and
 * those records, so an open editor can recompute the lines itself as people type (web/src/lib/blame-source.ts).
 */
export const authorshipRoutes = router().openapi(
  createRoute({
    method: "get", path: "/documents/{id}/authorship", tags, middleware, summary: "Who last wrote each line of the live text, and when",
    description:
      "One entry per line in `lines`; `author` is null for text written before the room kept records. `writers` are the records the lines are computed from: the user behind each Yjs client id and when each stretch of their writing began, so that a client holding the document can compute the same lines from its own copy (`lineAuthors` in protocol/line-authors.ts) after every edit without asking again.",
    request: { params },
    responses: { 200: json(AuthorshipResponse, "One entry per line, and the writer records"), ...errors(400, 401, 404, 503) },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await requireRole(c, id, "viewer");
    const { lines, writers } = (await queryRoom(c.var.config, id, "authorship", c.var.log)) as AuthorshipView;
    const records = Object.entries(writers);
    // Every line's user is some record's: the records name everyone.
    const users = await usersById(c.var.db, records.map(([, record]) => record.userId));
    const summary = (userId: string) => {
      const user = users.get(userId);
      return user && { id: user.id, username: user.username, displayName: user.displayName, color: colorFor(user.id).color };
    };
    return c.json(
      {
        lines: lines.map(({ userId, at }) => {
          const author = userId ? summary(userId) : undefined;
          return author && at !== null ? { author, at: new Date(at).toISOString() } : { author: null, at: null };
        }),
        writers: records.flatMap(([clientId, { userId, firstSeen, stretches }]) => {
          const user = summary(userId);
          return user ? [{ clientId: Number(clientId), user, firstSeen, stretches: stretches ?? [] }] : [];
        }),
      },
      200,
    );
  },
);

async function summaryOf(c: Context<AppEnv>, docId: string, versionId: string): Promise<VersionSummary> {
  const row = await getVersion(c.var.db, docId, versionId);
  if (!row) throw notFoundError("Version");
  return (await summaries(c, [row]))[0]!;
}

/** Rows with their authors as user summaries (authors whose accounts are gone are left out). */
async function summaries(c: Context<AppEnv>, rows: VersionRow[]): Promise<VersionSummary[]> {
  const users = await usersById(c.var.db, rows.flatMap((row) => row.authorIds));
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    name: row.name,
    kind: row.kind,
    authors: row.authorIds.flatMap((authorId) => {
      const user = users.get(authorId);
      return user ? [{ id: user.id, username: user.username, displayName: user.displayName, color: colorFor(user.id).color }] : [];
    }),
    textLength: row.textLength,
  }));
}
