import type * as Y from "yjs";
import { DocRoot } from "./doc-layout.ts";

/**
 * Who first wrote under a Yjs client id in a room, and when each stretch of their writing began. The room
 * keeps one per client id (party/client-id-records.ts) and the authorship endpoint hands them out, so that
 * the party and the browser compute {@link lineAuthors} alike. Type-only on Yjs: the worker imports the
 * contract and never bundles Yjs.
 */
export interface WriterRecord {
  userId: string;
  /** Milliseconds since the epoch. */
  firstSeen: number;
  /**
   * Stretches of writing, oldest first: `[first clock, ms since the epoch]`. A struct with clock `c` was
   * written at the time of the last stretch that starts at or before `c` (within STRETCH_MS). Absent in
   * records written before authorship existed.
   */
  stretches?: [number, number][];
}

/** A new stretch starts when a client writes again after this long: "when" is this precise. */
export const STRETCH_MS = 5_000;

/** Who last wrote on one line of the live text: a user id and when, or null for text older than the records. */
export interface LineAuthor {
  userId: string | null;
  /** Milliseconds since the epoch; null with userId null. */
  at: number | null;
}

/**
 * The room's internal `GET ?view=authorship` (party/PROTOCOL.md): the lines and the records they come from,
 * keyed by client id. The worker turns user ids into people for `GET /api/documents/{id}/authorship`.
 */
export interface AuthorshipView {
  lines: LineAuthor[];
  writers: Record<string, WriterRecord>;
}

/**
 * For each line of the document's text, the user who last wrote on it and when, from the records of which
 * user wrote under each Yjs client id and when each stretch of writing began ({@link WriterRecord}).
 * "Last" is by time: of the characters on a line (its newline included), the one written latest decides.
 * Text whose client id has no record (written before the room kept them) counts as "earlier" (null).
 * One pass over the text's items, one lookup per line segment of each.
 *
 * @example
 * lineAuthors(doc, records) // [{ userId: "u1", at: 1767000000000 }, { userId: null, at: null }]
 */
export function lineAuthors(doc: Y.Doc, records: ReadonlyMap<number, WriterRecord>): LineAuthor[] {
  const lines: LineAuthor[] = [{ userId: null, at: null }];
  let item = doc.getText(DocRoot.content)._start;
  while (item) {
    // Text is ContentString, the one kind with a `str` (formats and embeds take no line); not instanceof, which
    // a second copy of Yjs in a bundle would defeat.
    const text = (item.content as { str?: unknown }).str;
    if (!item.deleted && typeof text === "string") {
      const { client, clock } = item.id;
      const record = records.get(client);
      // Segment by segment, not character by character: within one item a later clock was never written
      // earlier (stretches go up in both), so a segment's last character is its latest. One binary search
      // per segment keeps a large document's view off the room's event loop.
      for (let start = 0; start < text.length; ) {
        const newline = text.indexOf("\n", start);
        const end = newline === -1 ? text.length - 1 : newline;
        const line = lines[lines.length - 1]!;
        const at = record ? writtenAt(record, clock + end) : null;
        if (at !== null && (line.at === null || at >= line.at)) {
          line.userId = record!.userId;
          line.at = at;
        }
        if (newline !== -1) lines.push({ userId: null, at: null });
        start = end + 1;
      }
    }
    item = item.right;
  }
  return lines;
}

/** When the struct at `clock` was written: the start of the last stretch at or before it. */
function writtenAt(record: WriterRecord, clock: number): number {
  const stretches = record.stretches;
  if (!stretches || stretches.length === 0) return record.firstSeen;
  // Binary search: the last stretch whose first clock is <= clock.
  let low = 0;
  let high = stretches.length - 1;
  if (clock < stretches[0]![0]) return stretches[0]![1];
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (stretches[mid]![0] <= clock) low = mid;
    else high = mid - 1;
  }
  return stretches[low]![1];
}
