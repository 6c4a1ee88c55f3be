import { z } from "zod";
import { UserSummary } from "./documents.ts";

/**
 * Version history (issue 11). A version is the document's text at a point in time, with who edited since
 * the version before it. Automatic versions are the room's; named ones an editor saves; a restore writes
 * the chosen version's text as a forward change and records a version of its own.
 */
export const VERSION_KINDS = ["auto", "named", "restore"] as const;
export const VersionKind = z.enum(VERSION_KINDS);
export type VersionKind = z.infer<typeof VersionKind>;

export const VersionName = z.string().trim().min(1, "Name must not be empty").max(100, "Name must be at most 100 characters");

export const VersionSummary = z.object({
  id: z.string(),
  createdAt: z.string().datetime(),
  name: z.string().nullable(),
  kind: VersionKind,
  /** Who edited since the previous version (from the room's verified connections, never from clients). */
  authors: z.array(UserSummary),
  /** Characters (Unicode code points). */
  textLength: z.number().int().nonnegative(),
});
export type VersionSummary = z.infer<typeof VersionSummary>;

export const VersionDetail = VersionSummary.extend({ text: z.string() });
export type VersionDetail = z.infer<typeof VersionDetail>;

export const VersionList = z.object({ items: z.array(VersionSummary), nextCursor: z.string().nullable() });
export type VersionList = z.infer<typeof VersionList>;

export const ListVersionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z.string().max(200).optional(),
});
export type ListVersionsQuery = z.input<typeof ListVersionsQuery>;

export const CreateVersionRequest = z.object({ name: VersionName });
export type CreateVersionRequest = z.input<typeof CreateVersionRequest>;

/**
 * The optional body of a restore. `applied`: the caller's client already wrote the version's text into the
 * live document (one edit in its own undo history, so one undo takes it back); the room records the
 * "restore" version without writing the text again.
 */
export const RestoreVersionRequest = z.object({ applied: z.boolean().optional() });
export type RestoreVersionRequest = z.input<typeof RestoreVersionRequest>;

/** Version ids are made like document ids: 1-64 of A-Z a-z 0-9 _ -. */
export const VersionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Invalid version id");

/**
 * How automatic versions thin out as they age (named and restore versions are kept until deleted): every
 * one for `keepAllHours`, then the last of each hour for `hourlyDays`, then the last of each day.
 */
export interface VersionRetention {
  keepAllHours: number;
  hourlyDays: number;
}
export const DEFAULT_VERSION_RETENTION: VersionRetention = { keepAllHours: 24, hourlyDays: 30 };

/**
 * The automatic versions to delete at `now`: of those older than `keepAllHours`, all but the newest of each
 * hour (up to `hourlyDays` old) or of each day (older). Pure, for a fake clock.
 *
 * @example
 * versionsToThin([{ id: "a", createdAt: twoDaysAgo }, { id: "b", createdAt: twoDaysAgoPlus5Min }], now) // ["a"]
 */
export function versionsToThin(versions: readonly { id: string; createdAt: Date }[], now: Date, retention: VersionRetention = DEFAULT_VERSION_RETENTION): string[] {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const keepAllAfter = now.getTime() - retention.keepAllHours * HOUR;
  const hourlyAfter = now.getTime() - retention.hourlyDays * DAY;
  const newestInBucket = new Map<string, { id: string; at: number }>();
  const thinned: string[] = [];
  for (const { id, createdAt } of versions) {
    const at = createdAt.getTime();
    if (at >= keepAllAfter) continue;
    const bucket = at >= hourlyAfter ? `h${Math.floor(at / HOUR)}` : `d${Math.floor(at / DAY)}`;
    const newest = newestInBucket.get(bucket);
    if (!newest) newestInBucket.set(bucket, { id, at });
    else if (at > newest.at || (at === newest.at && id > newest.id)) {
      thinned.push(newest.id);
      newestInBucket.set(bucket, { id, at });
    } else thinned.push(id);
  }
  return thinned;
}

/**
 * The latest restore, as the room writes it into the document's meta map (`MetaKey.restored`) once the
 * "restore" version is recorded, whichever way the restore came (an editor's, or REST alone): everyone with
 * the document open sees "Ada restored the version from 10:42" (issue 11). The room writes it from the
 * verified user and the version it recorded; a client's word is not in it.
 */
export const RestoreNotice = z.object({
  versionId: z.string().max(64),
  /** What was restored: the version's name, or its ISO time when it has none. */
  restoredFrom: z.string().max(120),
  /** True when `restoredFrom` is a name. */
  named: z.boolean(),
  userId: z.string().max(64),
  name: z.string().max(200),
  /** Milliseconds since the epoch. */
  at: z.number(),
});
export type RestoreNotice = z.infer<typeof RestoreNotice>;

/** `GET /api/documents/{id}/authorship`: for each line of the live text, who last wrote on it and when. */
export const AuthorshipLine = z.object({
  /** Null for text written before the room kept records ("earlier"). */
  author: UserSummary.nullable(),
  at: z.string().datetime().nullable(),
});
/**
 * Who writes under a Yjs client id, and when each stretch of their writing began: what `lines` is computed
 * from (line-authors.ts), so that an editor can compute it again from its own copy of the document after
 * every keystroke without asking. Writers whose accounts are gone are left out (their text reads "earlier").
 */
export const AuthorshipWriter = z.object({
  /** The Yjs client id (a Y.Doc's `clientID`) the room saw this user write under. */
  clientId: z.number().int().nonnegative(),
  user: UserSummary,
  /** When the room first saw this client id write: milliseconds since the epoch. */
  firstSeen: z.number().int(),
  /**
   * Oldest first: `[first clock, milliseconds since the epoch]`. A character with Yjs clock `c` was written
   * at the time of the last stretch starting at or before `c` (stretches start after 5 s without writing).
   */
  // Pairs checked as two-element arrays rather than with z.tuple, whose validator alone added 0.9 KiB gzip
  // to the web app's first load (the API client parses this); typed as the pairs they are.
  stretches: z.array(z.array(z.number().int()).min(2).max(2) as unknown as z.ZodType<[number, number]>),
});
export type AuthorshipWriter = z.infer<typeof AuthorshipWriter>;
export const AuthorshipResponse = z.object({ lines: z.array(AuthorshipLine), writers: z.array(AuthorshipWriter) });
export type AuthorshipResponse = z.infer<typeof AuthorshipResponse>;
