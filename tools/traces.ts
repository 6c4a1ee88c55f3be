import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type * as Y from "yjs";

/**
 * Keystroke-level editing traces (josephg/editing-traces, CC BY 4.0) for replay tests and benchmarks. They ship
 * in `data/editing-traces/` with their attribution and licence, so a plain clone has them.
 */
export const TRACES_DIR = join(import.meta.dirname, "..", "data", "editing-traces");

export type Patch = [position: number, deleteCount: number, insert: string];

export interface SequentialTrace {
  startContent: string;
  endContent: string;
  txns: { time?: string; patches: Patch[] }[];
}

export function traceAvailable(name: string): boolean {
  return existsSync(join(TRACES_DIR, `${name}.json.gz`));
}

export function loadTrace(name: "sveltecomponent" | "automerge-paper"): SequentialTrace {
  return JSON.parse(gunzipSync(readFileSync(join(TRACES_DIR, `${name}.json.gz`))).toString("utf8"));
}

/**
 * Applies one transaction's patches to a Y.Text with splice semantics. Trace positions count code points and
 * Y.Text counts UTF-16 units; the shipped traces are ASCII, where the two agree, so positions are used as is.
 */
export function applyPatches(text: Y.Text, patches: Patch[]): void {
  for (const [position, deleteCount, insert] of patches) {
    if (deleteCount > 0) text.delete(position, deleteCount);
    if (insert) text.insert(position, insert);
  }
}
