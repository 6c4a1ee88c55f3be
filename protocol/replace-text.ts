import diff from "fast-diff";
import type * as Y from "yjs";
import { diffLines } from "./line-diff.ts";

/** One edit in the coordinates of the old text: delete `deleteCount` at `index`, then insert `insert` there. */
export interface TextEdit {
  index: number;
  deleteCount: number;
  insert: string;
}

export interface PlanOptions {
  /** Wall-clock budget for the line diff; past it the middle is replaced whole. */
  deadlineMs?: number;
  /** Most line edits (inserted plus deleted lines) the line diff looks for before giving up. */
  maxLineEdits?: number;
}

/** A changed block is diffed character by character only when both sides multiply to at most this... */
const REFINE_MAX_PRODUCT = 250_000;
/** ...and while the whole replace has spent less than this on character diffs (sum of products). */
const REFINE_TOTAL_BUDGET = 4_000_000;

/**
 * Turns `text` into `content` with a small edit, applied by the caller inside one transaction, so unchanged
 * regions keep their Yjs identity and everyone's cursors stay where they were.
 *
 * The cost is bounded whatever the input (a REST `PUT` may carry 500,000 characters, and the room's event
 * loop is shared by every room in the process): the common prefix and suffix are trimmed in linear time,
 * the middle is diffed by lines with a deadline and an edit budget (falling back to one replace of the
 * middle), and only small changed blocks are refined character by character.
 *
 * @example
 * doc.transact(() => replaceText(doc.getText("content"), "new text"), "rest");
 */
export function replaceText(text: Y.Text, content: string, options: PlanOptions = {}): void {
  const edits = planReplace(text.toString(), content, options);
  // Back to front: every edit's index stays valid in the old coordinates.
  for (let i = edits.length - 1; i >= 0; i--) {
    const { index, deleteCount, insert } = edits[i]!;
    if (deleteCount > 0) text.delete(index, deleteCount);
    if (insert) text.insert(index, insert);
  }
}

/** The edits that turn `before` into `after`, in ascending order of index, none overlapping. */
export function planReplace(before: string, after: string, options: PlanOptions = {}): TextEdit[] {
  const deadline = Date.now() + (options.deadlineMs ?? 20);
  const maxLineEdits = options.maxLineEdits ?? 2_000;
  let prefix = commonPrefix(before, after);
  // Never cut a surrogate pair: half of one would be stored as U+FFFD.
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  let suffix = commonSuffix(before, after, prefix);
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  const a = before.slice(prefix, before.length - suffix);
  const b = after.slice(prefix, after.length - suffix);
  if (a === b) return [];
  if (!a || !b) return [{ index: prefix, deleteCount: a.length, insert: b }];

  const whole: TextEdit[] = [{ index: prefix, deleteCount: a.length, insert: b }];
  const aLines = splitLines(a);
  const bLines = splitLines(b);
  const script = diffLines(aLines, bLines, { maxEdits: maxLineEdits, deadline });
  if (!script) return whole;

  const edits: TextEdit[] = [];
  const budget = { remaining: REFINE_TOTAL_BUDGET };
  let ai = 0; // line index in a
  let bi = 0;
  let aOffset = prefix; // character offset of line ai in `before`
  for (const hunk of script) {
    // Equal lines up to the hunk.
    while (ai < hunk.aStart) {
      aOffset += aLines[ai]!.length;
      ai++;
      bi++;
    }
    const removed = aLines.slice(ai, hunk.aEnd).join("");
    const added = bLines.slice(bi, hunk.bEnd).join("");
    edits.push(...refine(aOffset, removed, added, budget));
    aOffset += removed.length;
    ai = hunk.aEnd;
    bi = hunk.bEnd;
  }
  return edits;
}

/** A changed block as one replace, or as a character diff when it is small and the budget allows. */
function refine(index: number, removed: string, added: string, budget: { remaining: number }): TextEdit[] {
  const product = removed.length * added.length;
  if (product === 0 || product > REFINE_MAX_PRODUCT || product > budget.remaining) {
    return [{ index, deleteCount: removed.length, insert: added }];
  }
  budget.remaining -= product;
  const edits: TextEdit[] = [];
  let offset = index;
  for (const [operation, chunk] of diff(removed, added)) {
    if (operation === diff.EQUAL) {
      offset += chunk.length;
    } else if (operation === diff.DELETE) {
      const last = edits.at(-1);
      if (last && last.index + last.deleteCount === offset && !last.insert) last.deleteCount += chunk.length;
      else edits.push({ index: offset, deleteCount: chunk.length, insert: "" });
      offset += chunk.length;
    } else {
      const last = edits.at(-1);
      if (last && last.index + last.deleteCount === offset) last.insert += chunk;
      else edits.push({ index: offset, deleteCount: 0, insert: chunk });
    }
  }
  return edits;
}

function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The common suffix, not reaching into the first `prefix` characters of either string. */
function commonSuffix(a: string, b: string, prefix: number): number {
  const max = Math.min(a.length, b.length) - prefix;
  let i = 0;
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

/** Lines with their newline kept, so that joining them gives the text back. */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    if (end === -1) break;
    lines.push(text.slice(start, end + 1));
    start = end + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
