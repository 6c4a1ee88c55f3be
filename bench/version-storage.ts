import { openDatabase } from "@collab/db";
import { DocRoot } from "@collab/protocol";
import { sql } from "drizzle-orm";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as Y from "yjs";
import { applyPatches, loadTrace } from "../tools/traces.ts";
import { clientFactory } from "./clients.ts";
import { closeRooms, openRooms, sleep, until } from "./scenarios/rooms.ts";
import { startServer } from "./servers.ts";

/**
 * What an hour of continuous typing stores in Postgres (issue 11's storage figure), with the room's default
 * schedules, time compressed by `--scale`: the room runs with every timer divided by the scale (automatic
 * versions 30 s / 5 min, Postgres snapshots 2 s / 10 s), and one writer types `--rate` characters a second
 * times the scale, one keystroke per update, from the automerge-paper trace (a LaTeX paper, typed by a
 * person). The document starts at the text the trace has after `--from` keystrokes (about 50 KB).
 *
 *   npx tsx bench/version-storage.ts                     # one hour in one minute (scale 60)
 *   npx tsx bench/version-storage.ts --scale 30 --from 0 # a document that starts empty, two minutes
 *
 * Bytes are Postgres's own: pg_column_size of the rows (the text TOASTed and compressed as stored) and
 * pg_total_relation_size of the tables (heap, TOAST, indexes; dead row versions from the snapshot's
 * updates included until vacuum). The bench's database holds nothing but this document.
 */
const { values } = parseArgs({
  options: { scale: { type: "string", default: "60" }, rate: { type: "string", default: "5" }, from: { type: "string", default: "90000" }, minutes: { type: "string", default: "60" } },
});
const scale = Number(values.scale);
const rate = Number(values.rate);
const from = Number(values.from);
const keystrokes = Math.round(rate * Number(values.minutes) * 60);
const scaled = (ms: number) => String(Math.max(1, Math.round(ms / scale)));

const trace = loadTrace("automerge-paper");
if (from + keystrokes > trace.txns.length) throw new Error(`the trace has ${trace.txns.length} keystrokes; --from ${from} + ${keystrokes} is past its end`);
const start = new Y.Doc();
for (const txn of trace.txns.slice(0, from)) applyPatches(start.getText(DocRoot.content), txn.patches);
const startText = start.getText(DocRoot.content).toString();

const server = await startServer("collab", {
  partyVars: { VERSION_SETTLE_MS: scaled(30_000), VERSION_MAX_WAIT_MS: scaled(300_000), SNAPSHOT_DEBOUNCE_MS: scaled(2_000), SNAPSHOT_MAX_WAIT_MS: scaled(10_000) },
});
const { db, end } = openDatabase(server.database!);
const docId = `storage-${Date.now().toString(36)}`;

/** Rows, row bytes and table bytes of this document in each table that grows with editing. */
async function measure() {
  const result = await db.execute(sql`
    select 'document_versions' as "table", count(*)::int as rows, coalesce(sum(pg_column_size(t.*)), 0)::int as "rowBytes",
           coalesce(sum(octet_length(t.text)), 0)::int as "rawTextBytes", pg_total_relation_size('document_versions')::int as "tableBytes"
      from document_versions t where document_id = ${docId}
    union all
    select 'document_snapshots', count(*)::int, coalesce(sum(pg_column_size(t.*)), 0)::int, coalesce(sum(octet_length(t.text)), 0)::int, pg_total_relation_size('document_snapshots')::int
      from document_snapshots t where document_id = ${docId}
    union all
    select 'document_writers', count(*)::int, coalesce(sum(pg_column_size(t.*)), 0)::int, 0, pg_total_relation_size('document_writers')::int
      from document_writers t where document_id = ${docId}`);
  return result.rows as { table: string; rows: number; rowBytes: number; rawTextBytes: number; tableBytes: number }[];
}

try {
  await server.target.prepare!([docId]);
  const factory = clientFactory(server.target);
  const { rooms, failures } = await openRooms(factory, [docId], 2);
  const [writer, reader] = rooms[0]!.clients;
  if (failures > 0 || !writer || !reader) throw new Error("could not connect");
  writer.doc.transact(() => writer.text.insert(0, startText));
  await until(() => reader.text.length === startText.length, 30_000);
  // The starting text's own version and snapshot: what was there before the hour.
  await sleep(Number(scaled(30_000)) * 2 + 2_000);
  const before = await measure();

  const perSecond = rate * scale;
  console.error(`typing ${keystrokes} keystrokes at ${perSecond}/s (${rate}/s x ${scale}) into ${startText.length} characters; load average ${loadavg()[0]!.toFixed(1)}`);
  const started = performance.now();
  for (let i = 0; i < keystrokes; i++) {
    // Keep to the schedule: keystroke i is due at i / perSecond seconds.
    const due = started + (i / perSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    writer.doc.transact(() => applyPatches(writer.text, trace.txns[from + i]!.patches));
  }
  const typedSeconds = (performance.now() - started) / 1000;
  const expected = writer.text.toString();
  if (!(await until(() => reader.text.toString() === expected, 60_000))) throw new Error("the reader did not catch up");
  closeRooms(rooms);
  // The last person left: the room takes its last version and snapshot now.
  await sleep(Number(scaled(30_000)) * 2 + 3_000);
  const after = await measure();
  // The snapshot is one row rewritten every few seconds: without a vacuum (PGlite runs no autovacuum) its
  // old versions stay in the table. VACUUM FULL shows what is live.
  await db.execute(sql`vacuum full document_versions, document_snapshots, document_writers`);
  const vacuumed = await measure();

  const hours = (typedSeconds * scale) / 3600;
  console.log(`\n${keystrokes} keystrokes in ${typedSeconds.toFixed(1)} s = ${(hours * 60).toFixed(1)} min of typing at ${rate}/s (scale ${scale}); document ${startText.length} -> ${expected.length} characters\n`);
  console.log("| table | rows added | row bytes added (as stored) | raw text bytes added | table bytes before → after (→ after VACUUM FULL) |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [i, row] of after.entries()) {
    const b = before[i]!;
    console.log(`| ${row.table} | ${row.rows - b.rows} (${b.rows} → ${row.rows}) | ${row.rowBytes - b.rowBytes} | ${row.rawTextBytes - b.rawTextBytes} | ${b.tableBytes} → ${row.tableBytes} (→ ${vacuumed[i]!.tableBytes}) |`);
  }
  const versions = after[0]!;
  const added = versions.rows - before[0]!.rows;
  console.log(`\nper hour of typing: ${((versions.rowBytes - before[0]!.rowBytes) / hours / 1024).toFixed(0)} KiB of versions (${(added / hours).toFixed(1)} rows, ${((versions.rowBytes - before[0]!.rowBytes) / Math.max(1, added) / 1024).toFixed(1)} KiB a row as stored, ${((versions.rawTextBytes - before[0]!.rawTextBytes) / Math.max(1, added) / 1024).toFixed(1)} KiB of text)`);
} finally {
  await end().catch(() => {});
  await server.stop();
}
