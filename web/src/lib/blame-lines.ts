import type { AuthorshipWriter, UserSummary } from "@collab/protocol";
import { STRETCH_MS, lineAuthors, type WriterRecord } from "@collab/protocol/line-authors";
import type * as Y from "yjs";
import { relativeTime } from "./relative-time.ts";

/** One line of the blame gutter: who last wrote on it and when, or null for "earlier" (before the records). */
export interface BlameLine {
  user: UserSummary | null;
  /** Milliseconds since the epoch; null with user null. */
  at: number | null;
}

/** The room's writer records (the authorship endpoint's `writers`), keyed for {@link lineAuthors}. */
export interface Writers {
  records: Map<number, WriterRecord>;
  users: Map<string, UserSummary>;
}

/** What this browser wrote under its own client id: the room's record of it may be a keystroke behind. */
export interface OwnWriting {
  clientId: number;
  user: UserSummary;
  /** Stretches this browser saw itself start, `[first clock, ms]`, oldest first (see {@link noteWriting}). */
  stretches: [number, number][];
  /** When this browser started watching: the time of its own text it saw no stretch for. */
  since: number;
}

export function writersFrom(list: readonly AuthorshipWriter[]): Writers {
  const records = new Map<number, WriterRecord>();
  const users = new Map<string, UserSummary>();
  for (const { clientId, user, firstSeen, stretches } of list) {
    records.set(clientId, { userId: user.id, firstSeen, stretches });
    users.set(user.id, user);
  }
  return { records, users };
}

/**
 * Notes that this client wrote from clock `from` on at `now`, as the room does (party/client-id-records.ts):
 * a new stretch at most every STRETCH_MS, so "when" is that precise and a burst of typing is a few entries.
 *
 * @example
 * const stretches: [number, number][] = [];
 * noteWriting(stretches, 0, 1_000); noteWriting(stretches, 5, 2_000); // [[0, 1000]]: within 5 s
 */
export function noteWriting(stretches: [number, number][], from: number, now: number): void {
  const last = stretches.at(-1);
  if (last && now - last[1] < STRETCH_MS) return;
  stretches.push([from, now]);
}

/**
 * Each line's author and time, computed in the browser from its own copy of the document: the room's
 * records for everyone else, and this browser's own client id as `own.user` (its stretches after the
 * room's, and `own.since` for text the room has no record of yet, e.g. typed offline). A keystroke costs
 * no request. Text under a client id with no record is "earlier" (null), as on the room.
 *
 * @example
 * blameLines(doc, writersFrom(response.writers), own) // [{ user: ada, at: 1767000000000 }, { user: null, at: null }]
 */
export function blameLines(doc: Y.Doc, writers: Writers, own: OwnWriting): BlameLine[] {
  const records = new Map(writers.records);
  const fromRoom = records.get(own.clientId)?.stretches ?? [];
  // Sorted by clock: the room's stretches and ours overlap when both saw the same burst; either start works.
  const stretches = [...fromRoom, ...own.stretches].sort((a, b) => a[0] - b[0]);
  // Our text from before anyone recorded it (typed before watching, offline): no later than `since`.
  const first = stretches[0];
  if (!first || first[0] > 0) stretches.unshift([0, Math.min(own.since, first?.[1] ?? own.since)]);
  records.set(own.clientId, { userId: own.user.id, firstSeen: own.since, stretches });
  const users = new Map(writers.users).set(own.user.id, own.user);
  return lineAuthors(doc, records).map(({ userId, at }) => {
    const user = userId === null ? undefined : users.get(userId);
    return user && at !== null ? { user, at } : { user: null, at: null };
  });
}

/**
 * The hover text of a line: "Ada Lovelace, 3 minutes ago", or what "earlier" means.
 *
 * @example
 * describeBlame({ user: ada, at: Date.now() - 180_000 }) // "Ada Lovelace, 3 minutes ago"
 */
export function describeBlame(line: BlameLine, now = Date.now()): string {
  if (!line.user || line.at === null) return "Earlier: written before this document kept authors";
  return `${line.user.displayName}, ${relativeTime(new Date(line.at).toISOString(), now)}`;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const firstGraphemes = (word: string, count: number) => [...graphemes.segment(word)].slice(0, count).map((part) => part.segment).join("");

/**
 * Up to two letters for a narrow gutter: the first letters of the first and last words, else the first two
 * of the one word (by grapheme, so 👩‍💻 stays whole).
 *
 * @example
 * initials("Ada Lovelace") // "AL"; initials("bob") // "BO"
 */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  if (words.length === 1) return firstGraphemes(words[0]!, 2).toUpperCase();
  return `${firstGraphemes(words[0]!, 1)}${firstGraphemes(words.at(-1)!, 1)}`.toUpperCase();
}
