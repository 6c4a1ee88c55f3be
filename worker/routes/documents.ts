import { createDocument, documentText, findTrashedDocument, listDocuments, restoreDocument, sortKey, trashDocument, updateDocument } from "@collab/db";
import {
  ActiveUsersResponse,
  CreateDocumentRequest,
  DEFAULT_LANGUAGE,
  DocId,
  DocRoot,
  DocumentDetail,
  DocumentList,
  DocumentSummary,
  ErrorCode,
  downloadName,
  ListDocumentsQuery,
  MetaKey,
  ReplaceContentRequest,
  RoomTokenResponse,
  TRASH_RETENTION_DAYS,
  UpdateDocumentRequest,
  colorFor,
  newDocId,
} from "@collab/protocol";
import { createRoute } from "@hono/zod-openapi";
import * as Y from "yjs";
import { z } from "zod";
import { requireUser } from "../auth/session.ts";
import { ApiError, notFoundError } from "../errors.ts";
import { liveText, sendRoomCommand, signRoomToken } from "../rooms.ts";
import { requireRole, toSummary } from "./access.ts";
import { decodeSortCursor, encodeSortCursor } from "./cursor.ts";
import { errors, json, jsonBody, noContent, router } from "./openapi.ts";

const tags = ["documents"];
const middleware = [requireUser];
const params = z.object({ id: DocId });

export const documentRoutes = router()
  .openapi(
    createRoute({
      method: "post", path: "/documents", tags, middleware, summary: "Create a document (you own it)",
      request: jsonBody(CreateDocumentRequest),
      responses: { 201: json(DocumentSummary, "Created"), ...errors(400, 401, 413) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const id = newDocId();
      const language = input.language ?? DEFAULT_LANGUAGE;
      await createDocument(c.var.db, {
        id,
        ownerId: c.var.user.id,
        title: input.title ?? "Untitled",
        language,
        // Always a snapshot, even of empty text: the room seeds its document (and its language) from it.
        snapshot: initialSnapshot(input.content ?? "", language),
      });
      const doc = await requireRole(c, id, "owner");
      return c.json(toSummary(doc), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get", path: "/documents", tags, middleware,
      summary: "Your documents: search by title, sort by recent or name, or your trash",
      description:
        "Keyset pagination: pass the previous page's `nextCursor` as `cursor` (with the same `sort`) until it is null. " +
        "`q` keeps titles containing it, ignoring case. `sort=recent` (default) is most recently edited first, " +
        "`sort=name` is by title A to Z ignoring case. `filter=trash` lists the documents you deleted in the last " +
        `${TRASH_RETENTION_DAYS} days (most recently deleted first with \`sort=recent\`), each with \`deletedAt\`.`,
      request: { query: ListDocumentsQuery },
      responses: { 200: json(DocumentList, "A page of documents"), ...errors(400, 401) },
    }),
    async (c) => {
      const { filter, q, sort, limit, cursor } = c.req.valid("query");
      const after = decodeSortCursor(cursor, sort);
      const options = { filter, q: q || undefined, sort, limit: limit + 1, after };
      const rows = await listDocuments(c.var.db, c.var.user.id, options);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor = rows.length > limit && last ? encodeSortCursor(sort, sortKey(last, options), last.id) : null;
      return c.json({ items: page.map(toSummary), nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get", path: "/documents/{id}", tags, middleware,
      summary: "A document's metadata and text (the live text when its room is loaded)",
      description: "The text is what people with the document open see: the live room's when the room has it loaded, else the latest snapshot (then current); `X-Text-Source` says which. `?format=raw` returns the plain text as a download named for the document's language.",
      request: { params, query: z.object({ format: z.enum(["json", "raw"]).default("json") }) },
      responses: {
        200: { description: "The document", content: { "application/json": { schema: DocumentDetail }, "text/plain": { schema: z.string() } } },
        ...errors(400, 401, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const doc = await requireRole(c, id, "viewer");
      const { text, source } = await liveText(c.var.config, id, c.var.log, () => documentText(c.var.db, id));
      // Says where the text came from (room: live, snapshot: the room was not loaded), for clients and tests.
      const headers = { "x-text-source": source };
      if (c.req.valid("query").format === "raw") {
        return c.text(text, 200, {
          ...headers,
          "content-disposition": `attachment; filename="${downloadName(doc.title, doc.language)}"`,
        });
      }
      // `length` counts the text returned, not the snapshot's, so the two always agree.
      return c.json({ ...toSummary(doc), length: [...text].length, text }, 200, headers);
    },
  )
  .openapi(
    createRoute({
      method: "put", path: "/documents/{id}", tags, middleware,
      summary: "Replace the text (editor or owner)",
      description: "Goes through the live room as one minimal edit, so connected editors see it and keep their cursors.",
      request: { params, ...jsonBody(ReplaceContentRequest) },
      responses: { 200: json(DocumentSummary, "Replaced"), ...errors(400, 401, 403, 404, 413, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireRole(c, id, "editor");
      await sendRoomCommand(c.var.config, id, { type: "replace", content: c.req.valid("json").content }, c.var.log);
      return c.json(toSummary(await requireRole(c, id, "editor")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch", path: "/documents/{id}", tags, middleware, summary: "Rename, or change the language (editor or owner)",
      request: { params, ...jsonBody(UpdateDocumentRequest) },
      responses: { 200: json(DocumentSummary, "Updated"), ...errors(400, 401, 403, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { title, language } = c.req.valid("json");
      await requireRole(c, id, "editor");
      // The room first: if it cannot show the change to the people who have the document open, nothing changes.
      // The language lives in the Y.Doc; the room saves a snapshot before answering, and that save updates
      // documents.language.
      if (title !== undefined) await sendRoomCommand(c.var.config, id, { type: "set-title", title }, c.var.log);
      if (language !== undefined) await sendRoomCommand(c.var.config, id, { type: "set-language", language }, c.var.log);
      if (title !== undefined) await updateDocument(c.var.db, id, { title });
      return c.json(toSummary(await requireRole(c, id, "editor")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete", path: "/documents/{id}", tags, middleware,
      summary: "Move a document to the trash (owner); open editors are closed",
      description: `The document leaves every list and its room closes every socket (4404) at once. Its owner can restore it for ${TRASH_RETENTION_DAYS} days (\`POST /api/documents/{id}/restore\`); then it is purged.`,
      request: { params },
      responses: { 204: noContent, ...errors(401, 403, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireRole(c, id, "owner");
      // The room first: it closes every socket and refuses new ones, so nobody keeps editing a deleted document.
      await sendRoomCommand(c.var.config, id, { type: "deleted" }, c.var.log);
      await trashDocument(c.var.db, id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/documents/{id}/restore", tags, middleware,
      summary: "Restore a document from your trash (owner)",
      description: "It opens again with its text, for its owner and its members. 404 when it is not in your trash.",
      request: { params },
      responses: { 200: json(DocumentSummary, "Restored"), ...errors(401, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await findTrashedDocument(c.var.db, id, c.var.user.id))) throw notFoundError();
      // The room first: until it lifts its tombstone it refuses every socket, and a restored row with a
      // closed room would be a document nobody can open. The other way round is safe: the worker issues no
      // token for a document still in the trash.
      await sendRoomCommand(c.var.config, id, { type: "undeleted" }, c.var.log);
      await restoreDocument(c.var.db, id);
      return c.json(toSummary(await requireRole(c, id, "owner")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get", path: "/documents/{id}/users", tags, middleware, summary: "Who is in the document right now",
      request: { params },
      responses: { 200: json(ActiveUsersResponse, "Connected users, one entry per user"), ...errors(401, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireRole(c, id, "viewer");
      return c.json({ users: await c.var.config.presence.users(id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/documents/{id}/token", tags, middleware,
      summary: "A room token for the document's WebSocket (5 minutes)",
      description: "Open `wss://<party>/parties/main/{id}?token=<token>`. Viewers get a read-only connection.",
      request: { params },
      responses: { 200: json(RoomTokenResponse, "The token and the role it carries"), ...errors(401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const doc = await requireRole(c, id, "viewer");
      const { user, sessionId, config } = c.var;
      const grant = await signRoomToken(config, {
        userId: user.id,
        docId: id,
        role: doc.role,
        name: user.displayName,
        color: toColor(user.id),
        sessionId,
      });
      return c.json({ token: grant.token, role: doc.role, expiresAt: grant.expiresAt.toISOString() }, 200);
    },
  );

const toColor = (userId: string) => colorFor(userId).color;

/** The Yjs state of a new document's initial content, in the layout every room and client expects. */
function initialSnapshot(text: string, language: string): { state: Uint8Array; text: string } {
  const doc = new Y.Doc();
  if (text) doc.getText(DocRoot.content).insert(0, text);
  doc.getMap(DocRoot.meta).set(MetaKey.language, language);
  return { state: Y.encodeStateAsUpdate(doc), text };
}
