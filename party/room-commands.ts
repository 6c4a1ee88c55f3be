import { CloseCode, DocRoot, ErrorCode, MetaKey, RoomCommand, type Logger, type Role, type RoomTokenClaims } from "@collab/protocol";
import type { AuthorshipView } from "@collab/protocol/line-authors";
import { replaceText } from "@collab/protocol/replace-text";
import type * as Y from "yjs";
import type { DocumentStore } from "./document-store.ts";
import type { RoomAccess } from "./room-access.ts";
import type { RoomVersions } from "./room-versions.ts";
import { VersionNotFoundError } from "./room-versions.ts";
import { rememberSessionEnded } from "./session-check.ts";
import { transactAsRoom } from "./room-writes.ts";

/** What a command may do to the room (DocumentRoom provides it). */
export interface CommandRoom {
  readonly id: string;
  readonly access: RoomAccess;
  readonly store: DocumentStore;
  readonly log: Logger;
  /** The room's version history (created on first use). */
  versions(): RoomVersions;
  /** Counts connections' changes to `doc` towards the next version's authors. */
  watchVersions(doc: Y.Doc): void;
  /** The document is gone: stop versions and presence. */
  forgetDocument(): Promise<void>;
  /** The document came back from the trash: versions start afresh (the store revives itself). */
  reviveDocument(): void;
  /** Closes every connection whose claims match, with `code` and `reason`; returns how many. */
  closeWhere(match: (claims: RoomTokenClaims) => boolean, code: CloseCode, reason: string): number;
  /** `GET`: who is connected, storage counters, pending bytes and writer records. */
  describe(): Promise<Record<string, unknown>>;
  /** `GET ?view=authorship`: who last wrote each line of the live text, and the records it comes from. */
  authorship(): Promise<AuthorshipView>;
  /** Loads the room's access records (tombstone, recorded roles) if not yet loaded. */
  loadAccess(): Promise<void>;
}

/**
 * The worker's internal endpoint, already authorised: `GET` describes the room (or `?view=authorship`, or
 * `?view=text`),
 * `POST` applies a {@link RoomCommand}. Every answer is JSON; errors carry the contract's error body.
 */
export async function answerInternalRequest(room: CommandRoom, request: Request): Promise<Response> {
  if (request.method === "GET") {
    const view = new URL(request.url).searchParams.get("view");
    if (view === "authorship") return Response.json(await room.authorship());
    // REST reads of a document the room holds in memory: the text people see, not the last snapshot. A room
    // that is not loaded (or was deleted) does not load for this; it answers loaded: false (the snapshot is
    // current then).
    if (view === "text") {
      await room.loadAccess();
      const doc = room.access.deleted ? undefined : room.store.doc;
      return Response.json(doc ? { loaded: true, text: doc.getText(DocRoot.content).toString() } : { loaded: false });
    }
    return Response.json(await room.describe());
  }
  if (request.method !== "POST") return problem(405, "method_not_allowed", "Use GET or POST");
  let command: RoomCommand;
  try {
    command = RoomCommand.parse(await request.json());
  } catch {
    return problem(400, ErrorCode.ValidationFailed, "Not a room command");
  }
  await room.loadAccess();
  if (room.access.deleted && command.type !== "undeleted") {
    // Idempotent: the worker tells the room before it deletes the row, and retries when the row's delete
    // failed; a retry must complete the delete, not answer "gone" forever.
    if (command.type === "deleted") return Response.json({ deleted: true });
    return problem(404, ErrorCode.NotFound, "This document was deleted");
  }
  if (!room.store.writable && (command.type === "replace" || command.type === "set-language" || command.type === "set-title")) {
    return problem(503, ErrorCode.RoomUnavailable, "Room storage is failing; retry shortly");
  }
  const result = await applyRoomCommand(room, command);
  if (result.saved === false) {
    return problem(503, ErrorCode.DatabaseUnavailable, "Applied in the room, but the database did not take the save yet; it keeps retrying");
  }
  return Response.json(result);
}

export function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/**
 * Applies one of the worker's {@link RoomCommand}s (see PROTOCOL.md, "The worker's endpoint"). Answers what the
 * worker reads back; `saved: false` means the edit is in room storage but Postgres has not taken it yet.
 */
export async function applyRoomCommand(room: CommandRoom, command: RoomCommand): Promise<Record<string, unknown>> {
  switch (command.type) {
    case "access-changed": {
      room.access.record(command.userId, command.role);
      return { closed: closeUser(room, command.userId, command.role) };
    }
    case "session-ended": {
      rememberSessionEnded(command.sessionId);
      return { closed: room.closeWhere((claims) => claims.sid === command.sessionId, CloseCode.SessionEnded, "you signed out") };
    }
    case "deleted": {
      await room.forgetDocument();
      room.store.forget();
      room.closeWhere(() => true, CloseCode.DocumentDeleted, "this document was deleted");
      await room.access.markDeleted();
      return { deleted: true };
    }
    case "undeleted": {
      // Restored from the trash: lift the tombstone. A document still in memory is served again (it holds
      // at least what Postgres has); otherwise the next connection loads it from Postgres.
      if (room.access.deleted) {
        await room.access.markRestored();
        room.store.revive();
        room.reviveDocument();
      }
      return { undeleted: true };
    }
    case "save-version": {
      await room.store.ready(room.id);
      const version = await room.versions().saveNamed(command.name, command.userId);
      return { versionId: version.id };
    }
    case "restore-version": {
      room.watchVersions(await room.store.ready(room.id));
      try {
        const version = await room.versions().restore(command.versionId, { id: command.userId, name: command.userName ?? "Someone" }, { applied: command.applied });
        await room.store.saveNow();
        return { versionId: version.id, saved: !room.store.saveFailing };
      } catch (error) {
        if (error instanceof VersionNotFoundError) return { notFound: true };
        throw error;
      }
    }
    case "snapshot": {
      await room.store.ready(room.id);
      await room.store.forceSnapshot();
      return { saved: !room.store.saveFailing };
    }
    case "close": {
      const closed = room.closeWhere(() => true, CloseCode.ClosedByAdmin, command.reason ?? "closed by an administrator");
      room.log.info("sockets closed by an administrator", { closed });
      return { closed };
    }
    case "replace":
    case "set-language":
    case "set-title": {
      const doc = await room.store.ready(room.id);
      transactAsRoom(doc, "rest", () => {
        if (command.type === "replace") replaceText(doc.getText(DocRoot.content), command.content);
        else if (command.type === "set-language") doc.getMap(DocRoot.meta).set(MetaKey.language, command.language);
        else doc.getMap(DocRoot.meta).set(MetaKey.title, command.title);
      });
      // The REST caller reads Postgres next: make the snapshot current before answering, and say so when
      // it is not (the edit is in room storage and the save keeps retrying; the worker answers 503).
      await room.store.saveNow();
      return { length: doc.getText(DocRoot.content).length, saved: !room.store.saveFailing };
    }
  }
}

/** Closes a user's sockets after an access change: 4403 when removed, 4409 to come back with the new role. */
function closeUser(room: CommandRoom, userId: string, role: Role | null): number {
  const stale = (claims: RoomTokenClaims) => claims.sub === userId && claims.role !== role;
  return role === null
    ? room.closeWhere(stale, CloseCode.Forbidden, "your access to this document was removed")
    : room.closeWhere(stale, CloseCode.RoleChanged, `your role is now ${role}`);
}
