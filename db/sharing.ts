import type { GrantableRole } from "@collab/protocol";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "./client.ts";
import { documentMembers, documents, shareLinks, users } from "./schema.ts";

export interface MemberRow {
  user: { id: string; username: string; displayName: string };
  role: "owner" | GrantableRole;
  createdAt: Date;
}

const userColumns = { id: users.id, username: users.username, displayName: users.displayName };

/** The owner first, then members in the order they joined. */
export async function listMembers(db: Database, docId: string): Promise<MemberRow[]> {
  const [ownerRow] = await db
    .select({ user: userColumns, createdAt: documents.createdAt })
    .from(documents)
    .innerJoin(users, eq(users.id, documents.ownerId))
    .where(eq(documents.id, docId));
  const members = await db
    .select({ user: userColumns, role: documentMembers.role, createdAt: documentMembers.createdAt })
    .from(documentMembers)
    .innerJoin(users, eq(users.id, documentMembers.userId))
    .where(eq(documentMembers.documentId, docId))
    .orderBy(asc(documentMembers.createdAt), asc(users.username));
  return [...(ownerRow ? [{ ...ownerRow, role: "owner" as const }] : []), ...members];
}

/** A member's role, or undefined when they are not a member (the owner is not a member). */
export async function findMemberRole(db: Database, docId: string, userId: string): Promise<GrantableRole | undefined> {
  const [row] = await db
    .select({ role: documentMembers.role })
    .from(documentMembers)
    .where(and(eq(documentMembers.documentId, docId), eq(documentMembers.userId, userId)));
  return row?.role as GrantableRole | undefined;
}

/** Adds a member or changes their role. */
export async function upsertMember(db: Database, docId: string, userId: string, role: GrantableRole): Promise<void> {
  await db
    .insert(documentMembers)
    .values({ documentId: docId, userId, role })
    .onConflictDoUpdate({ target: [documentMembers.documentId, documentMembers.userId], set: { role, updatedAt: new Date() } });
}

/** Changes an existing member's role; false when they are not a member. */
export async function updateMember(db: Database, docId: string, userId: string, role: GrantableRole): Promise<boolean> {
  const rows = await db
    .update(documentMembers)
    .set({ role, updatedAt: new Date() })
    .where(and(eq(documentMembers.documentId, docId), eq(documentMembers.userId, userId)))
    .returning({ userId: documentMembers.userId });
  return rows.length > 0;
}

export async function removeMember(db: Database, docId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(documentMembers)
    .where(and(eq(documentMembers.documentId, docId), eq(documentMembers.userId, userId)))
    .returning({ userId: documentMembers.userId });
  return rows.length > 0;
}

export type ShareLinkRow = typeof shareLinks.$inferSelect;

export async function createShareLink(db: Database, link: typeof shareLinks.$inferInsert): Promise<ShareLinkRow> {
  const [row] = await db.insert(shareLinks).values(link).returning();
  return row!;
}

/** Links that were not revoked (expired ones included, so the owner sees them and can revoke them). */
export async function listShareLinks(db: Database, docId: string): Promise<ShareLinkRow[]> {
  return db
    .select()
    .from(shareLinks)
    .where(and(eq(shareLinks.documentId, docId), isNull(shareLinks.revokedAt)))
    .orderBy(asc(shareLinks.createdAt));
}

export async function revokeShareLink(db: Database, docId: string, linkId: string): Promise<boolean> {
  const rows = await db
    .update(shareLinks)
    .set({ revokedAt: new Date() })
    .where(and(eq(shareLinks.id, linkId), eq(shareLinks.documentId, docId), isNull(shareLinks.revokedAt)))
    .returning({ id: shareLinks.id });
  return rows.length > 0;
}

export async function findShareLink(db: Database, token: string): Promise<(ShareLinkRow & { ownerId: string | null }) | undefined> {
  const [row] = await db
    .select({ link: shareLinks, ownerId: documents.ownerId })
    .from(shareLinks)
    .innerJoin(documents, eq(documents.id, shareLinks.documentId))
    // A link to a document in the trash opens nothing (it works again if the owner restores the document).
    .where(and(eq(shareLinks.token, token), isNull(documents.deletedAt)));
  return row ? { ...row.link, ownerId: row.ownerId } : undefined;
}
