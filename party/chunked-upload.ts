import { CloseCode } from "@collab/protocol";

/**
 * y-partykit's chunked uploads, accepted up to the document limit.
 *
 * Its provider sends any frame over 1,000,000 bytes (a pasted 3 MB file, or the sync answer after a long
 * offline session) as a text marker, the frame's bytes cut into binary slices, and a closing marker:
 *
 *     y-pk-batch#{"id":"k3x","type":"start","size":2500000,"count":3}
 *     <1,000,000 bytes> <1,000,000 bytes> <500,000 bytes>
 *     y-pk-batch#{"id":"k3x","type":"end","size":2500000,"count":3}
 *
 * The slices are not messages, so they must not reach the frame guard one by one; the reassembled frame
 * does, with the document limit in place of the frame limit. What one connection may hold in flight is
 * bounded: one upload at a time, announced up front at no more than `maxUploadBytes`, and never more bytes or
 * slices than announced. Anything else closes the sender (4413 past the limit, 4422 for a broken sequence)
 * before a byte of it is applied. What all connections together hold is bounded by the room's
 * {@link UploadBudget}: an upload announced past it is refused (4429), since 32 sockets of one user, each
 * holding an unfinished 8 MB upload, would otherwise take twice an object's memory.
 *
 * @example
 * const upload = new ChunkedUpload({ maxUploadBytes: 8 << 20, maxSliceBytes: 1_000_000 });
 * const received = upload.receive(message);
 * if (received.kind === "frame") inspectFrame(received.bytes, received.maxBytes);
 */
export const CHUNKED_UPLOAD_MARKER = "y-pk-batch";

/** A marker is a short JSON object; anything longer is not one. */
const MAX_MARKER_CHARS = 512;

export type Received =
  /** A whole frame (sent as one, or reassembled), to check against `maxBytes` and apply like any other. */
  | { kind: "frame"; bytes: Uint8Array; maxBytes: number }
  /** Part of an upload in progress: nothing to apply yet. */
  | { kind: "pending" }
  | { kind: "refused"; code: CloseCode; reason: string };

export interface ChunkedUploadLimits {
  /** Largest reassembled frame: the room's `MAX_DOCUMENT_BYTES`. */
  maxUploadBytes: number;
  /** Largest single frame (and slice): the room's `MAX_MESSAGE_BYTES`. */
  maxSliceBytes: number;
  /** What the room's connections may hold in unfinished uploads together; unbounded without one. */
  budget?: UploadBudget;
  now?: () => number;
}

/** Bytes of unfinished uploads the room holds, all connections together (announced sizes, reserved at start). */
export class UploadBudget {
  readonly #maxBytes: number;
  #reserved = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get reserved(): number {
    return this.#reserved;
  }

  reserve(bytes: number): boolean {
    if (this.#reserved + bytes > this.#maxBytes) return false;
    this.#reserved += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#reserved = Math.max(0, this.#reserved - bytes);
  }
}

interface Marker {
  id: string;
  type: "start" | "end";
  size: number;
  count: number;
}

export class ChunkedUpload {
  readonly #limits: ChunkedUploadLimits;
  #start: Marker | undefined;
  #startedAt = 0;
  #slices: Uint8Array[] = [];
  #received = 0;

  constructor(limits: ChunkedUploadLimits) {
    this.#limits = limits;
  }

  /** Bytes this connection holds for an unfinished upload. */
  get bufferedBytes(): number {
    return this.#received;
  }

  /** When the unfinished upload was announced (ms), or undefined when there is none. */
  get startedAt(): number | undefined {
    return this.#start ? this.#startedAt : undefined;
  }

  /** The connection is gone: what its unfinished upload reserved goes back to the room. */
  dispose(): void {
    this.#reset();
  }

  /** One incoming WebSocket message, text or binary. */
  receive(message: string | ArrayBuffer | ArrayBufferView): Received {
    if (typeof message === "string") return this.#marker(message);
    const bytes = message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    if (!this.#start) return { kind: "frame", bytes, maxBytes: this.#limits.maxSliceBytes };
    return this.#slice(bytes);
  }

  #marker(text: string): Received {
    if (!text.startsWith(`${CHUNKED_UPLOAD_MARKER}#`)) return malformed("text frames are not part of the protocol");
    const marker = parseMarker(text);
    if (!marker) return malformed("not a valid chunked-upload marker");
    if (marker.type === "start") {
      if (this.#start) return malformed("a chunked upload started before the previous one ended");
      if (marker.size > this.#limits.maxUploadBytes) {
        return { kind: "refused", code: CloseCode.MessageTooLarge, reason: `upload of ${marker.size} bytes exceeds the document limit of ${this.#limits.maxUploadBytes} bytes` };
      }
      // Every slice but the last is full, so the count follows from the size (y-partykit cuts at 1,000,000).
      if (marker.count < Math.ceil(marker.size / this.#limits.maxSliceBytes) || marker.count > marker.size) {
        return malformed("chunk count does not match the announced size");
      }
      if (this.#limits.budget && !this.#limits.budget.reserve(marker.size)) {
        return { kind: "refused", code: CloseCode.RateLimited, reason: `unfinished uploads in this room already hold ${this.#limits.budget.reserved} bytes` };
      }
      this.#start = marker;
      this.#startedAt = (this.#limits.now ?? Date.now)();
      return { kind: "pending" };
    }
    const start = this.#start;
    if (!start) return malformed("a chunked upload ended that never started");
    if (marker.id !== start.id || marker.size !== start.size || marker.count !== start.count) return malformed("the end marker does not match the start marker");
    if (this.#received !== start.size || this.#slices.length !== start.count) return malformed("fewer bytes arrived than were announced");
    const bytes = concat(this.#slices, this.#received);
    this.#reset();
    return { kind: "frame", bytes, maxBytes: this.#limits.maxUploadBytes };
  }

  #slice(bytes: Uint8Array): Received {
    const start = this.#start!;
    if (this.#slices.length >= start.count || this.#received + bytes.byteLength > start.size) {
      return malformed("more bytes arrived than the upload announced");
    }
    // Copied: the runtime may reuse the message's buffer once this handler returns.
    // Kept as it came when it is a whole buffer of its own (the runtime's message): copying 1 MB slices
    // doubled what an upload allocated while it arrived.
    this.#slices.push(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());
    this.#received += bytes.byteLength;
    return { kind: "pending" };
  }

  #reset(): void {
    if (this.#start) this.#limits.budget?.release(this.#start.size);
    this.#start = undefined;
    this.#slices = [];
    this.#received = 0;
  }
}

function parseMarker(text: string): Marker | undefined {
  if (text.length > MAX_MARKER_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(CHUNKED_UPLOAD_MARKER.length + 1));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { id, type, size, count } = value as Record<string, unknown>;
  if (typeof id !== "string" || id.length > 64 || (type !== "start" && type !== "end")) return undefined;
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(count) || (size as number) < 1 || (count as number) < 1) return undefined;
  return { id, type, size: size as number, count: count as number };
}

function concat(slices: Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const slice of slices) {
    bytes.set(slice, offset);
    offset += slice.byteLength;
  }
  return bytes;
}

function malformed(reason: string): Received {
  return { kind: "refused", code: CloseCode.MalformedMessage, reason };
}
