import { z } from "zod";
import { RoleSchema, Title } from "./documents.ts";

/**
 * Room tokens: the worker signs one (HS256, `ROOM_TOKEN_SECRET`) for a user and a document; the party
 * verifies it at the edge before the room is touched. Short-lived: the client fetches a fresh one for
 * every (re)connect, so a revoked role never outlives the next reconnect.
 */
export const ROOM_TOKEN_TTL_SECONDS = 300;
/** The query parameter that carries the token on the WebSocket URL. */
export const ROOM_TOKEN_PARAM = "token";
export const ROOM_TOKEN_ALGORITHM = "HS256";

export const RoomTokenClaims = z.object({
  /** User id. */
  sub: z.string(),
  /** Document id: a token for one document opens no other. */
  doc: z.string(),
  role: RoleSchema,
  name: z.string(),
  color: z.string(),
  /** Session id, so that logging out can close the session's sockets. */
  sid: z.string(),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type RoomTokenClaims = z.infer<typeof RoomTokenClaims>;

export const RoomTokenResponse = z.object({ token: z.string(), role: RoleSchema, expiresAt: z.string().datetime() });
export type RoomTokenResponse = z.infer<typeof RoomTokenResponse>;

/**
 * What the worker tells a room over its internal HTTP endpoint (`POST /parties/main/:id`, authorised with
 * `Authorization: Bearer <INTERNAL_SECRET>`): access changes take effect on open sockets within a second.
 */
export const RoomCommand = z.discriminatedUnion("type", [
  /** The document was deleted: close everyone (4404) and forget the room's storage. */
  z.object({ type: z.literal("deleted") }),
  /** The owner restored the document from the trash: lift the tombstone, so it opens again with its text. */
  z.object({ type: z.literal("undeleted") }),
  /** A user's access changed: close their sockets (4403 when removed, 4409 to reconnect with a new role). */
  z.object({ type: z.literal("access-changed"), userId: z.string(), role: RoleSchema.nullable() }),
  /** Replace the text with `content` as one minimal edit, keeping everyone's cursors. */
  z.object({ type: z.literal("replace"), content: z.string() }),
  /** A session ended (logout): close its sockets (4410) and refuse its room tokens from now on. */
  z.object({ type: z.literal("session-ended"), sessionId: z.string().min(1).max(128) }),
  /** Set the document's language for every editor. */
  z.object({ type: z.literal("set-language"), language: z.string() }),
  /** Save the live document as a named version now; answers `{ versionId }`. */
  z.object({ type: z.literal("save-version"), name: z.string().min(1).max(100), userId: z.string() }),
  /**
   * Write a stored version's text into the live document as one minimal edit (a forward change, cursors
   * kept) and record a "restore" version named after it; answers `{ versionId }`. With `applied`, the
   * restorer's client already wrote the text (as one edit its own undo can take back) and the room only
   * records the "restore" version.
   */
  z.object({
    type: z.literal("restore-version"),
    versionId: z.string().min(1).max(64),
    userId: z.string(),
    /** The restorer's display name, for everyone's notice (RestoreNotice). */
    userName: z.string().max(200).optional(),
    applied: z.boolean().optional(),
  }),
  /** An admin: write the Postgres snapshot now (loading the room's document if it is not loaded). */
  z.object({ type: z.literal("snapshot") }),
  /** An admin: close every socket of the room (4000), e.g. before maintenance; clients reconnect. */
  z.object({ type: z.literal("close"), reason: z.string().max(120).optional() }),
  /** Show a new title to everyone with the document open (the worker has checked it and stores it). */
  z.object({ type: z.literal("set-title"), title: Title }),
]);
export type RoomCommand = z.infer<typeof RoomCommand>;

/**
 * `GET /parties/main/:id?view=text` (internal): the live text when the room holds the document in memory.
 * A room that is not loaded answers `loaded: false` without loading: its latest snapshot is then current.
 */
export const RoomTextView = z.discriminatedUnion("loaded", [
  z.object({ loaded: z.literal(true), text: z.string() }),
  z.object({ loaded: z.literal(false) }),
]);
export type RoomTextView = z.infer<typeof RoomTextView>;
