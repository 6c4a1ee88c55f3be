import { customType, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

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

/** One row per document: the metadata a list or a REST client needs without touching the Yjs state. */
export const documents = pgTable("documents", {
  id: text("id").primaryKey(),
  language: text("language").notNull().default("plaintext"),
  ...timestamps,
});

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
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});
