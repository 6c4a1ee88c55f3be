import {
  AcceptShareLinkResponse,
  AuthResponse,
  AuthorshipResponse,
  DocumentDetail,
  DocumentList,
  DocumentSummary,
  MeResponse,
  Member,
  MemberList,
  PresenceResponse,
  RoomTokenResponse,
  ShareLink,
  ShareLinkList,
  VersionDetail,
  VersionList,
  VersionSummary,
  type CreateDocumentRequest,
  type CreateShareLinkRequest,
  type InviteRequest,
  type ListDocumentsQuery,
  type LoginRequest,
  type RegisterRequest,
  type UpdateDocumentRequest,
  type UpdateMemberRequest,
} from "@collab/protocol";
import { NoContent, request } from "./request.ts";

/**
 * The worker's REST API, one function per endpoint, each typed by the contract (`@collab/protocol`). The
 * browser is authenticated by the HttpOnly session cookie that register and login set; the `token` in their
 * answer is for non-browser clients and is deliberately not kept.
 */

export type DocumentFilter = NonNullable<ListDocumentsQuery["filter"]>;
export type DocumentSort = NonNullable<ListDocumentsQuery["sort"]>;

/** `ListDocumentsQuery` as the page sends it (the contract's input type leaves `limit` loose for coercion). */
export interface ListDocumentsParams {
  filter: DocumentFilter;
  q?: string | undefined;
  sort?: DocumentSort | undefined;
  limit?: number;
  cursor?: string | undefined;
}

const doc = (id: string) => `/documents/${encodeURIComponent(id)}`;

export const auth = {
  register: async (input: RegisterRequest) => (await request("POST", "/auth/register", AuthResponse, { body: input })).user,
  login: async (input: LoginRequest) => (await request("POST", "/auth/login", AuthResponse, { body: input })).user,
  logout: () => request("POST", "/auth/logout", NoContent),
  /** Rejects with status 401 when nobody is signed in. */
  me: async () => (await request("GET", "/auth/me", MeResponse)).user,
};

export const documents = {
  list: (query: ListDocumentsParams, signal?: AbortSignal) =>
    request("GET", "/documents", DocumentList, { query: { ...query }, signal }),
  create: (input: CreateDocumentRequest) => request("POST", "/documents", DocumentSummary, { body: input }),
  get: (id: string, signal?: AbortSignal) => request("GET", doc(id), DocumentDetail, { signal }),
  update: (id: string, input: UpdateDocumentRequest) => request("PATCH", doc(id), DocumentSummary, { body: input }),
  /** Moves the document to its owner's trash. */
  remove: (id: string) => request("DELETE", doc(id), NoContent),
  /** Takes it out of the trash (owner). */
  restore: (id: string) => request("POST", `${doc(id)}/restore`, DocumentSummary),
  /** A short-lived token for the document's room; the worker answers 403/404 when there is no access. */
  roomToken: (id: string) => request("POST", `${doc(id)}/token`, RoomTokenResponse),
  /** The text as a file download (`Content-Disposition` names it); for `<a href download>`. */
  rawUrl: (id: string) => `/api${doc(id)}?format=raw`,
};

export const members = {
  list: async (docId: string) => (await request("GET", `${doc(docId)}/members`, MemberList)).members,
  invite: (docId: string, input: InviteRequest) => request("POST", `${doc(docId)}/members`, Member, { body: input }),
  update: (docId: string, userId: string, input: UpdateMemberRequest) =>
    request("PATCH", `${doc(docId)}/members/${encodeURIComponent(userId)}`, Member, { body: input }),
  remove: (docId: string, userId: string) =>
    request("DELETE", `${doc(docId)}/members/${encodeURIComponent(userId)}`, NoContent),
};

export const presence = {
  /** Who is in each document you may see, right now (documents with nobody are left out). */
  active: (signal?: AbortSignal) => request("GET", "/presence", PresenceResponse, { signal }),
  /** The same, live, for an `EventSource`: `PRESENCE_EVENT` events, each a full `PresenceResponse`. */
  streamUrl: "/api/presence/stream",
};

export const shareLinks = {
  list: async (docId: string) => (await request("GET", `${doc(docId)}/links`, ShareLinkList)).links,
  create: (docId: string, input: CreateShareLinkRequest) => request("POST", `${doc(docId)}/links`, ShareLink, { body: input }),
  revoke: (docId: string, linkId: string) =>
    request("DELETE", `${doc(docId)}/links/${encodeURIComponent(linkId)}`, NoContent),
  /** Rejects with 410 (expired or revoked) or 404 (no such link). */
  accept: (token: string) => request("POST", `/share/${encodeURIComponent(token)}/accept`, AcceptShareLinkResponse),
};

export const versions = {
  /** A page of versions, newest first; pass the page's `nextCursor` back for the next one. */
  list: (docId: string, cursor?: string, signal?: AbortSignal) =>
    request("GET", `${doc(docId)}/versions`, VersionList, { query: { limit: 30, cursor }, signal }),
  get: (docId: string, versionId: string, signal?: AbortSignal) =>
    request("GET", `${doc(docId)}/versions/${encodeURIComponent(versionId)}`, VersionDetail, { signal }),
  saveNamed: (docId: string, name: string) => request("POST", `${doc(docId)}/versions`, VersionSummary, { body: { name } }),
  /** `applied`: this client already wrote the text (see restore-locally.ts); the room only records it. */
  restore: (docId: string, versionId: string, applied: boolean) =>
    request("POST", `${doc(docId)}/versions/${encodeURIComponent(versionId)}/restore`, VersionSummary, { body: { applied } }),
  /** Who last wrote each line, and the writer records it comes from (blame-source.svelte.ts uses the records). */
  authorship: (docId: string, signal?: AbortSignal) => request("GET", `${doc(docId)}/authorship`, AuthorshipResponse, { signal }),
};
