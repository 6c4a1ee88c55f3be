import diff from "fast-diff";
import type * as Y from "yjs";

/**
 * Turns `text` into `content` with the smallest edit fast-diff finds (common prefix and suffix kept, the
 * middle diffed), applied by the caller inside one transaction, so unchanged regions keep their Yjs
 * identity and everyone's cursors stay where they were.
 */
export function replaceText(text: Y.Text, content: string): void {
  let index = 0;
  for (const [operation, chunk] of diff(text.toString(), content)) {
    if (operation === diff.EQUAL) index += chunk.length;
    else if (operation === diff.DELETE) text.delete(index, chunk.length);
    else {
      text.insert(index, chunk);
      index += chunk.length;
    }
  }
}
