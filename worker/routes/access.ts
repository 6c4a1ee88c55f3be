import { findDocumentAccess, type DocumentRow } from "@collab/db";
import { colorFor, roleAtLeast, type DocumentSummary, type Role } from "@collab/protocol";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { forbiddenError, notFoundError } from "../errors.ts";

/**
 * The caller's document, if their role is at least `needed`. No role at all answers 404 (other people's
 * document ids are never confirmed); a role that is not enough answers 403.
 */
export async function requireRole(c: Context<AppEnv>, docId: string, needed: Role): Promise<DocumentRow> {
  const doc = await findDocumentAccess(c.var.db, docId, c.var.user.id);
  if (!doc) throw notFoundError();
  if (!roleAtLeast(doc.role, needed)) throw forbiddenError(`This needs the ${needed} role; you are ${doc.role === "viewer" ? "a viewer" : `the ${doc.role}`}`);
  return doc;
}

export function toSummary(row: DocumentRow): DocumentSummary {
  return {
    id: row.id,
    title: row.title,
    language: row.language,
    role: row.role,
    owner: { ...row.owner, color: colorFor(row.owner.id).color },
    length: row.length,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(row.deletedAt ? { deletedAt: row.deletedAt.toISOString() } : {}),
  };
}
