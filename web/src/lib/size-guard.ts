import { EditorState, type Extension, type Transaction } from "@codemirror/state";

/**
 * Refuses, before it is applied, an edit that would make the document larger than the room accepts, with a
 * message instead of a closed connection. The room refuses an update that would grow the document past
 * `MAX_DOCUMENT_BYTES` by closing the sender (4507); by then the edit is in the local Y.Doc and the local
 * copy, and would be offered again on every reconnect. Checked on the text's UTF-8 size with a margin for
 * the document's own structure, and only for large insertions, so typing costs nothing.
 *
 * @example
 * documentSizeGuard(Limits.maxDocumentBytes, (message) => (notice = message))
 */
export function documentSizeGuard(maxDocumentBytes: number, onRefused: (message: string) => void): Extension {
  // Yjs adds a few bytes per item and keeps deleted items' ids: leave room for that.
  const maxTextBytes = Math.floor(maxDocumentBytes * 0.9);
  return EditorState.transactionFilter.of((transaction: Transaction) => {
    if (!transaction.docChanged) return transaction;
    let inserted = 0;
    transaction.changes.iterChanges((_fromA, _toA, _fromB, _toB, text) => (inserted += text.length));
    // Below this, even a document at the limit stays within the margin; no need to measure.
    if (inserted < 64 * 1024) return transaction;
    const bytes = utf8Bytes(transaction.newDoc.toString());
    if (bytes <= maxTextBytes) return transaction;
    onRefused(
      `That change was not applied: the document would be ${megabytes(bytes)} MB, and a document can hold at most ${megabytes(maxTextBytes)} MB.`,
    );
    return [];
  });
}

export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}
