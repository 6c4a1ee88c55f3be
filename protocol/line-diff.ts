/** A block of changed lines: `a[aStart, aEnd)` is replaced by `b[bStart, bEnd)`. */
export interface LineHunk {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

export interface LineDiffOptions {
  /** Most inserted plus deleted lines to look for; past it the diff gives up (undefined). */
  maxEdits: number;
  /** `Date.now()` past which the diff gives up. */
  deadline: number;
}

/**
 * Myers' O((N+M)·D) diff over lines, bounded: it gives up (returns undefined) once the edit distance passes
 * `maxEdits` or the clock passes `deadline`, so the caller can fall back to one replace. Lines are
 * interned to numbers first, so comparing two lines costs one integer compare. Memory is O(D²) for the
 * backtracking trace, bounded by `maxEdits`.
 *
 * @example
 * diffLines(["a\n", "b\n"], ["a\n", "c\n"], { maxEdits: 100, deadline: Date.now() + 10 })
 * // [{ aStart: 1, aEnd: 2, bStart: 1, bEnd: 2 }]
 */
export function diffLines(aLines: readonly string[], bLines: readonly string[], options: LineDiffOptions): LineHunk[] | undefined {
  const ids = new Map<string, number>();
  const intern = (line: string) => {
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = ids.size));
    return id;
  };
  const a = Int32Array.from(aLines, intern);
  const b = Int32Array.from(bLines, intern);
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, options.maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds V[k] for k in [-d-1, d+1] as it was when round d started (index k + d + 1).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    if (Date.now() > options.deadline) return undefined;
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return hunks(backtrack(trace, n, m, d), n, m);
    }
  }
  return undefined;
}

/** Marks the deleted lines of a and the inserted lines of b along the path found in `d` rounds. */
function backtrack(trace: Int32Array[], n: number, m: number, d: number): { deleted: Uint8Array; inserted: Uint8Array } {
  const deleted = new Uint8Array(n);
  const inserted = new Uint8Array(m);
  let x = n;
  let y = m;
  for (; d > 0; d--) {
    const v = trace[d]!;
    const at = (k: number) => v[k + d + 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    // The snake back to the end of the previous edit is equal lines; the edit itself is one line.
    x = prevX;
    y = prevY;
    if (down) inserted[prevY] = 1;
    else deleted[prevX] = 1;
  }
  return { deleted, inserted };
}

/** Groups the marks into maximal changed blocks; unmarked lines of a and b pair up in order. */
function hunks({ deleted, inserted }: { deleted: Uint8Array; inserted: Uint8Array }, n: number, m: number): LineHunk[] {
  const result: LineHunk[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && !deleted[i] && !inserted[j]) {
      i++;
      j++;
      continue;
    }
    const hunk = { aStart: i, aEnd: i, bStart: j, bEnd: j };
    while ((i < n && deleted[i]) || (j < m && inserted[j])) {
      if (i < n && deleted[i]) i++;
      else j++;
    }
    // A path always pairs the unmarked lines; should it not, count the line as changed rather than loop.
    if (i === hunk.aStart && j === hunk.bStart) {
      if (i < n) i++;
      else j++;
    }
    hunk.aEnd = i;
    hunk.bEnd = j;
    result.push(hunk);
  }
  return result;
}
