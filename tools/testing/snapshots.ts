import { documentText, openDatabase } from "@collab/db";

/**
 * The text of a document's Postgres snapshot, read from the database itself. `GET /api/documents/{id}` answers
 * with the live room's text when the room is loaded, so tests that prove a save reached Postgres read here.
 */
export async function snapshotText(stack: { databaseUrl: string; wsProxy: string }, docId: string): Promise<string> {
  const { db, end } = openDatabase({ databaseUrl: stack.databaseUrl, wsProxy: stack.wsProxy });
  try {
    return await documentText(db, docId);
  } finally {
    await end();
  }
}
