import { sql } from "drizzle-orm";
import { bigint, check, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The one drizzle schema. `npm run db:generate` turns changes here into SQL under `migrations/`.
 */

/** drizzle 0.45 has no built-in bytea; the Neon driver (node-postgres inside) accepts and returns bytes. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  // A copy: the driver's Buffer may be a view into a shared pool slab that later reads overwrite.
  fromDriver: (value) => new Uint8Array(value),
});

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
};

/**
 * Accounts. Usernames and emails are stored lower-cased, so the username's uniqueness is case-insensitive.
 * Emails are NOT unique: nothing verifies them, and a unique email would make registration answer "taken"
 * and so tell anyone whether an address has an account. An email signs in only with its account's password.
 */
export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull().unique(),
    email: text("email").notNull(),
    displayName: text("display_name").notNull(),
    /** Self-describing: `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`, so the cost can be raised later. */
    passwordHash: text("password_hash").notNull(),
    ...timestamps,
  },
  (table) => [index("users_email_idx").on(table.email)],
);

/** Server-side sessions: a session token names one, and logging out revokes it. */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

/** One row per document: the metadata a list or a REST client needs without touching the Yjs state. */
export const documents = pgTable(
  "documents",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull().default("Untitled"),
    language: text("language").notNull().default("plaintext"),
    /** Null only for documents created before accounts existed; nobody can open those through the API. */
    ownerId: text("owner_id").references(() => users.id, { onDelete: "cascade" }),
    ...timestamps,
    /** Set while the document is in its owner's trash (restorable; purged after TRASH_RETENTION_DAYS). */
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("documents_owner_updated_idx").on(t.ownerId, t.updatedAt),
    // The list sorted by name pages on (lower(title), id): without this, every page sorts all the owner's rows.
    index("documents_owner_title_idx").on(t.ownerId, sql`lower(${t.title})`, t.id),
    // The trash and the purge read only deleted rows.
    index("documents_deleted_idx").on(t.ownerId, t.deletedAt).where(sql`${t.deletedAt} is not null`),
  ],
);

/** Who else may open a document, and how. The owner is not a member: `documents.owner_id` says who owns it. */
export const documentMembers = pgTable(
  "document_members",
  {
    documentId: text("document_id").notNull().references(() => documents.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["viewer", "editor"] }).notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.documentId, t.userId] }),
    index("document_members_user_idx").on(t.userId),
    check("document_members_role_check", sql`${t.role} in ('viewer', 'editor')`),
  ],
);

/** Capability links: whoever opens one while signed in becomes a member with its role. */
export const shareLinks = pgTable(
  "share_links",
  {
    id: text("id").primaryKey(),
    documentId: text("document_id").notNull().references(() => documents.id, { onDelete: "cascade" }),
    token: text("token").notNull().unique(),
    role: text("role", { enum: ["viewer", "editor"] }).notNull(),
    createdBy: text("created_by").notNull().references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("share_links_document_idx").on(t.documentId), check("share_links_role_check", sql`${t.role} in ('viewer', 'editor')`)],
);

/**
 * The latest snapshot of each document, written by its room: the Yjs state (to reload the room with its
 * full CRDT history) and the plain text (for REST reads and search without decoding Yjs).
 */
export const documentSnapshots = pgTable("document_snapshots", {
  documentId: text("document_id")
    .primaryKey()
    .references(() => documents.id, { onDelete: "cascade" }),
  state: bytea("state").notNull(),
  text: text("text").notNull(),
  textLength: integer("text_length").notNull(),
  /**
   * The Yjs state vector of `state` ({ clientId: clock }): a save only replaces a snapshot whose vector its
   * own dominates, so a room that came back holding less never overwrites more. Null: written before the
   * guard (or by document creation), replaced by any save.
   */
  stateVector: jsonb("state_vector").$type<Record<string, number>>(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/**
 * Versions of a document (issue 11): its text at a point in time, who edited since the version before, and
 * the Yjs state vector then (two versions with the same vector hold the same text: an automatic version is
 * never stored twice). Text only, not the Yjs state: a restore is a forward edit to that text, and Postgres
 * compresses the text column (TOAST).
 */
export const documentVersions = pgTable(
  "document_versions",
  {
    id: text("id").primaryKey(),
    documentId: text("document_id").notNull().references(() => documents.id, { onDelete: "cascade" }),
    // Milliseconds, a JavaScript Date's precision: the list's keyset cursor then carries the stored value
    // exactly, and the list can walk the (document_id, created_at, id) index in order instead of sorting.
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date", precision: 3 }).notNull().defaultNow(),
    kind: text("kind", { enum: ["auto", "named", "restore"] }).notNull(),
    name: text("name"),
    authorIds: text("author_ids").array().notNull().default(sql`'{}'::text[]`),
    text: text("text").notNull(),
    textLength: integer("text_length").notNull(),
    stateVector: jsonb("state_vector").$type<Record<string, number>>().notNull(),
  },
  (t) => [
    // Ascending, so that `order by created_at desc, id desc` (newest first) walks it backwards. The former
    // `desc()` columns were DESC NULLS LAST, which a plain DESC order (NULLS FIRST) cannot use: every list
    // page sorted all of a document's versions.
    index("document_versions_document_time_idx").on(t.documentId, t.createdAt, t.id),
    check("document_versions_kind_check", sql`${t.kind} in ('auto', 'named', 'restore')`),
  ],
);

/**
 * Who wrote under each Yjs client id of a document, and when each stretch of writing began: the room's
 * `client:<id>` records (party/client-id-records.ts), copied with its snapshots so that authorship and version
 * authors survive the loss of room storage. Written by rooms only, from verified connections.
 */
export const documentWriters = pgTable(
  "document_writers",
  {
    documentId: text("document_id").notNull().references(() => documents.id, { onDelete: "cascade" }),
    clientId: bigint("client_id", { mode: "number" }).notNull(),
    userId: text("user_id").notNull(),
    firstSeen: timestamp("first_seen", { withTimezone: true, mode: "date" }).notNull(),
    /** `[first clock, ms since the epoch]` of each stretch of writing, oldest first. */
    stretches: jsonb("stretches").$type<[number, number][]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.documentId, t.clientId] })],
);
