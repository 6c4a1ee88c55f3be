import { CloseCode } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import { CHUNKED_UPLOAD_MARKER, ChunkedUpload, UploadBudget } from "./chunked-upload.ts";

const SLICE = 1_000;
const limits = { maxUploadBytes: 5_000, maxSliceBytes: SLICE };

function marker(type: "start" | "end", size: number, count: number, id = "abc"): string {
  return `${CHUNKED_UPLOAD_MARKER}#${JSON.stringify({ id, type, size, count })}`;
}

/** What y-partykit's provider sends for `bytes` (its sendChunked, with our slice size). */
function chunked(bytes: Uint8Array, id = "abc"): (string | Uint8Array)[] {
  const count = Math.ceil(bytes.length / SLICE);
  const slices = Array.from({ length: count }, (_, i) => bytes.slice(i * SLICE, (i + 1) * SLICE));
  return [marker("start", bytes.length, count, id), ...slices, marker("end", bytes.length, count, id)];
}

function bytesOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i % 251);
}

describe("ChunkedUpload", () => {
  it("passes ordinary frames through with the frame limit", () => {
    const upload = new ChunkedUpload(limits);
    expect(upload.receive(new Uint8Array([0, 2, 0]))).toEqual({ kind: "frame", bytes: new Uint8Array([0, 2, 0]), maxBytes: SLICE });
  });

  it("reassembles an upload and checks it against the document limit", () => {
    const upload = new ChunkedUpload(limits);
    const bytes = bytesOf(2_500);
    const results = chunked(bytes).map((message) => upload.receive(message));
    expect(results.slice(0, -1).every((result) => result.kind === "pending")).toBe(true);
    expect(results.at(-1)).toEqual({ kind: "frame", bytes, maxBytes: 5_000 });
    expect(upload.bufferedBytes).toBe(0);
    // The next upload starts clean.
    expect(chunked(bytesOf(1_500), "def").map((message) => upload.receive(message)).at(-1)).toMatchObject({ kind: "frame" });
  });

  it.each([
    ["an announced size past the document limit", [marker("start", 5_001, 6)], CloseCode.MessageTooLarge],
    ["a text frame that is no marker", ["hello"], CloseCode.MalformedMessage],
    ["a marker that is not JSON", [`${CHUNKED_UPLOAD_MARKER}#{nope`], CloseCode.MalformedMessage],
    ["a marker with a negative size", [marker("start", -5, 1)], CloseCode.MalformedMessage],
    ["an end without a start", [marker("end", 10, 1)], CloseCode.MalformedMessage],
    ["a second start before the end", [marker("start", 10, 1), marker("start", 10, 1)], CloseCode.MalformedMessage],
    ["a count too small for the size", [marker("start", 2_500, 2)], CloseCode.MalformedMessage],
    ["more bytes than announced", [marker("start", 1_500, 2), bytesOf(1_000), bytesOf(1_000)], CloseCode.MalformedMessage],
    ["more slices than announced", [marker("start", 1_500, 2), bytesOf(500), bytesOf(500), bytesOf(1)], CloseCode.MalformedMessage],
    ["an end before every byte arrived", [marker("start", 1_500, 2), bytesOf(1_000), marker("end", 1_500, 2)], CloseCode.MalformedMessage],
    ["an end that does not match its start", [marker("start", 500, 1), bytesOf(500), marker("end", 500, 1, "other")], CloseCode.MalformedMessage],
  ] as [string, (string | Uint8Array)[], number][])("refuses %s", (_, messages, code) => {
    const upload = new ChunkedUpload(limits);
    const results = messages.map((message) => upload.receive(message));
    expect(results.slice(0, -1).every((result) => result.kind === "pending")).toBe(true);
    expect(results.at(-1)).toMatchObject({ kind: "refused", code });
  });

  it("never holds more than the announced size", () => {
    const upload = new ChunkedUpload(limits);
    upload.receive(marker("start", 5_000, 5));
    for (let i = 0; i < 5; i++) upload.receive(bytesOf(1_000));
    expect(upload.bufferedBytes).toBe(5_000);
    expect(upload.receive(bytesOf(1)).kind).toBe("refused");
  });

  it("draws on the room's budget: an upload past it is refused, and what ends or is disposed is given back", () => {
    const budget = new UploadBudget(8_000);
    const [a, b, c] = [0, 1, 2].map(() => new ChunkedUpload({ ...limits, budget }));
    expect(a!.receive(marker("start", 5_000, 5))).toEqual({ kind: "pending" });
    expect(b!.receive(marker("start", 3_000, 3))).toEqual({ kind: "pending" });
    expect(budget.reserved).toBe(8_000);
    expect(c!.receive(marker("start", 1_000, 1))).toEqual({ kind: "refused", code: CloseCode.RateLimited, reason: "unfinished uploads in this room already hold 8000 bytes" });
    // b finishes, a's connection goes away mid-upload.
    for (const slice of chunked(bytesOf(3_000)).slice(1)) b!.receive(slice);
    expect(budget.reserved).toBe(5_000);
    a!.receive(bytesOf(SLICE));
    a!.dispose();
    expect(budget.reserved).toBe(0);
    expect(c!.receive(marker("start", 1_000, 1))).toEqual({ kind: "pending" });
    // A broken sequence closes the connection, which disposes its upload.
    expect(c!.receive(marker("end", 2_000, 1)).kind).toBe("refused");
    c!.dispose();
    expect(budget.reserved).toBe(0);
  });

  it("tells when its unfinished upload started", () => {
    let now = 1_000;
    const upload = new ChunkedUpload({ ...limits, now: () => now });
    expect(upload.startedAt).toBeUndefined();
    upload.receive(marker("start", 2_000, 2));
    now = 5_000;
    expect(upload.startedAt).toBe(1_000);
    for (const slice of chunked(bytesOf(2_000)).slice(1)) upload.receive(slice);
    expect(upload.startedAt).toBeUndefined();
  });
});
