import * as Y from "yjs";

/**
 * How a load edit carries its send time: the inserted text is a marker `<` + send time in microseconds
 * (base 36) + `>`; warm-up edits use `(` and `)` and are not measured. Observers read the marker back out of
 * the update they receive (decoding a small update costs its own size, not the document's), so no side
 * channel and no shared table is needed: the edit itself says when it was sent. The clock must be the
 * observers' clock: one process, `performance.now()`.
 */
const MEASURED = /<([0-9a-z]+)>/g;

export function editMarker(sentAt: number, measured: boolean): string {
  const micros = Math.round(sentAt * 1000).toString(36);
  return measured ? `<${micros}>` : `(${micros})`;
}

/** The send times (ms) of the measured edits inside one received update. */
export function measuredSendTimes(update: Uint8Array): number[] {
  const times: number[] = [];
  for (const struct of Y.decodeUpdate(update).structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) continue;
    for (const match of struct.content.str.matchAll(MEASURED)) times.push(parseInt(match[1]!, 36) / 1000);
  }
  return times;
}
