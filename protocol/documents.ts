import { z } from "zod";
import { DOC_ID_PATTERN } from "./doc-id.ts";
import { LANGUAGES } from "./languages.ts";

/** Roles on a document, weakest first. */
export const ROLES = ["viewer", "editor", "owner"] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);
/** Roles an owner can grant (there is one owner). */
export const GrantableRole = z.enum(["viewer", "editor"]);
export type GrantableRole = z.infer<typeof GrantableRole>;

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export const LanguageSchema = z.enum(LANGUAGES.map((language) => language.id) as [string, ...string[]]);
export const Title = z.string().trim().min(1, "Title must not be empty").max(200, "Title must be at most 200 characters");
export const DocId = z.string().regex(DOC_ID_PATTERN, "Invalid document id: use 1-64 of A-Z a-z 0-9 _ -");

export const UserSummary = z.object({ id: z.string(), username: z.string(), displayName: z.string(), color: z.string() });
export type UserSummary = z.infer<typeof UserSummary>;

/** A document as a list or a detail view shows it, from the caller's point of view (`role`). */
export const DocumentSummary = z.object({
  id: z.string(),
  title: z.string(),
  language: z.string(),
  role: RoleSchema,
  owner: UserSummary,
  /** Characters (Unicode code points) in the latest snapshot. */
  length: z.number().int().nonnegative(),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
  /** Set only in the trash: when the owner deleted it (it is purged {@link TRASH_RETENTION_DAYS} days later). */
  deletedAt: z.string().datetime().optional(),
});
export type DocumentSummary = z.infer<typeof DocumentSummary>;

export const DocumentDetail = DocumentSummary.extend({ text: z.string() });
export type DocumentDetail = z.infer<typeof DocumentDetail>;

/** Largest text accepted by create and replace (the REST body limit is 1 MB). */
export const MAX_TEXT_CHARS = 500_000;
const Content = z.string().max(MAX_TEXT_CHARS, `Content must be at most ${MAX_TEXT_CHARS} characters`);

export const CreateDocumentRequest = z.object({
  title: Title.optional(),
  language: LanguageSchema.optional(),
  content: Content.optional(),
});
export type CreateDocumentRequest = z.input<typeof CreateDocumentRequest>;

export const UpdateDocumentRequest = z
  .object({ title: Title.optional(), language: LanguageSchema.optional() })
  .refine((value) => value.title !== undefined || value.language !== undefined, "Give a title or a language");
export type UpdateDocumentRequest = z.input<typeof UpdateDocumentRequest>;

export const ReplaceContentRequest = z.object({ content: Content });
export type ReplaceContentRequest = z.input<typeof ReplaceContentRequest>;

/** `trash`: the caller's own deleted documents, restorable for {@link TRASH_RETENTION_DAYS} days. */
export const DocumentFilter = z.enum(["all", "owned", "shared", "trash"]);
/** `recent`: most recently edited first (in the trash: most recently deleted first); `name`: by title, A to Z, ignoring case. */
export const DocumentSort = z.enum(["recent", "name"]);
export type DocumentSort = z.infer<typeof DocumentSort>;
/** Longest search text: a title is at most 200 characters, so a longer search cannot match anything. */
export const MAX_SEARCH_CHARS = 200;
/** How long a deleted document stays in its owner's trash before it is purged. */
export const TRASH_RETENTION_DAYS = 30;
export const ListDocumentsQuery = z.object({
  filter: DocumentFilter.default("all"),
  /** Titles containing this text, ignoring case (a plain substring: `%` and `_` match themselves). */
  q: z.string().trim().max(MAX_SEARCH_CHARS, `Search must be at most ${MAX_SEARCH_CHARS} characters`).optional(),
  sort: DocumentSort.default("recent"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** Opaque: the `nextCursor` of the previous page, with the same `sort` (a name cursor carries a title). */
  cursor: z.string().max(2_000).optional(),
});
export type ListDocumentsQuery = z.input<typeof ListDocumentsQuery>;

export const DocumentList = z.object({ items: z.array(DocumentSummary), nextCursor: z.string().nullable() });
export type DocumentList = z.infer<typeof DocumentList>;

/** Who is in a document right now (one entry per user, however many tabs). */
export const ActiveUser = z.object({ id: z.string(), name: z.string(), color: z.string(), connections: z.number().int().positive() });
export type ActiveUser = z.infer<typeof ActiveUser>;
export const ActiveUsersResponse = z.object({ users: z.array(ActiveUser) });
export type ActiveUsersResponse = z.infer<typeof ActiveUsersResponse>;

/** Who is in each document the caller may see, for the document list. Documents with nobody are left out. */
export const PresenceResponse = z.object({
  documents: z.array(z.object({ id: z.string(), users: z.array(ActiveUser) })),
});
export type PresenceResponse = z.infer<typeof PresenceResponse>;

/**
 * `GET /api/presence/stream` is a server-sent event stream: one `presence` event with a full
 * {@link PresenceResponse} at once, then another whenever anything in it changes (within ~1 s).
 */
export const PRESENCE_EVENT = "presence";
