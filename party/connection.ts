import { CloseCode, type RoomTokenClaims } from "@collab/protocol";
import type * as Party from "partykit/server";
import { AwarenessThrottle } from "./awareness-throttle.ts";
import { ChunkedUpload, type UploadBudget } from "./chunked-upload.ts";
import type { RoomConfig } from "./config.ts";
import { DrainCheck } from "./drain-check.ts";
import { inspectFrame, isWrite, peekHeader, type FrameVerdict } from "./frame-guard.ts";
import type { GroupCommit } from "./group-commit.ts";
import { Peer } from "./peer.ts";
import { TokenBucket } from "./rate-limit.ts";

/** Awareness frames per connection: one every 50 ms at most reaches the others; over 200 a second closes. */
export const AWARENESS_INTERVAL_MS = 50;
export const AWARENESS_FLOOD_PER_SECOND = 200;
/** A peer owing this many bytes unread is sent a probe (see drain-check.ts). */
const PROBE_AFTER_BYTES = 256 * 1024;

/** One socket in a room: who it is, and everything that bounds what it may cost the room. */
export interface Connection {
  /** Unique per socket. Not `socket.id`: y-partykit's provider reuses its id when it reconnects, and the
   * new socket can arrive before the old one's close. */
  key: number;
  peer: Peer;
  claims: RoomTokenClaims;
  throttle: AwarenessThrottle;
  /** y-partykit's chunked uploads (frames over 1 MB) reassembled, up to MAX_DOCUMENT_BYTES. */
  upload: ChunkedUpload;
  lastSeen: number;
  /** What the connection may send (every role): messages, bytes and Yjs structs, and bytes of its own awareness. */
  messages: TokenBucket;
  bytes: TokenBucket;
  structs: TokenBucket;
  awarenessBytes: TokenBucket;
  /** What was sent to it and not proven read (slow readers). */
  drain: DrainCheck;
}

/**
 * A new connection with its budgets from the room's configuration; its chunked uploads draw on the room's
 * `uploads`. `onSend` is told the size of every message handed to the socket (the drain check).
 */
export function openConnection(
  socket: Party.Connection,
  claims: RoomTokenClaims,
  key: number,
  config: RoomConfig,
  commit: GroupCommit,
  uploads: UploadBudget,
  onSend: (bytes: number) => void,
): Connection {
  const { rate, awareness } = config;
  return {
    key,
    peer: new Peer(socket, commit, onSend),
    claims,
    throttle: new AwarenessThrottle({ intervalMs: AWARENESS_INTERVAL_MS, floodPerSecond: AWARENESS_FLOOD_PER_SECOND }),
    upload: new ChunkedUpload({ maxUploadBytes: config.maxDocumentBytes, maxSliceBytes: config.maxMessageBytes, budget: uploads }),
    lastSeen: Date.now(),
    messages: new TokenBucket({ capacity: rate.messageBurst, perSecond: rate.messagesPerSecond }),
    bytes: new TokenBucket({ capacity: rate.byteBurst, perSecond: rate.bytesPerSecond }),
    structs: new TokenBucket({ capacity: rate.structBurst, perSecond: rate.structsPerSecond }),
    awarenessBytes: new TokenBucket({ capacity: awareness.byteBurst, perSecond: awareness.bytesPerSecond }),
    drain: new DrainCheck({ probeAfterBytes: PROBE_AFTER_BYTES, maxUnreadBytes: config.slowReaderBytes }),
  };
}

/** What a connection's message comes to, before the room looks at what it means. */
export type Intake =
  /** Over a budget, or malformed: close the connection with `code`. */
  | { kind: "refuse"; code: CloseCode; reason: string }
  /** Nothing to do: a slice of a chunked upload, or a viewer's write (never applied, so never decoded). */
  | { kind: "skip" }
  /** A whole, checked frame; its structs are already taken from the connection's budget. */
  | { kind: "frame"; bytes: Uint8Array; verdict: Extract<FrameVerdict, { ok: true }> };

/**
 * Everything one connection's message must pass on its own, whatever the room holds: its message and byte
 * budgets (counted before anything is decoded, so what a connection costs is bounded whatever it sends),
 * the reassembly of chunked uploads, a viewer's writes dropped on their header alone, the frame's full
 * check, and its struct budget.
 */
export function takeIn(connection: Connection, message: string | ArrayBuffer | ArrayBufferView, config: RoomConfig): Intake {
  const size = typeof message === "string" ? message.length : message.byteLength;
  if (!connection.messages.take(1)) return { kind: "refuse", code: CloseCode.RateLimited, reason: `over ${config.rate.messagesPerSecond} messages a second` };
  if (!connection.bytes.take(size)) return { kind: "refuse", code: CloseCode.RateLimited, reason: `over ${config.rate.bytesPerSecond} bytes a second` };
  // Text frames are only y-partykit's chunked-upload markers; a reassembled upload is checked like any frame.
  const received = connection.upload.receive(message);
  if (received.kind === "refused") return { kind: "refuse", code: received.code, reason: received.reason };
  if (received.kind === "pending") return { kind: "skip" };
  const bytes = received.bytes;
  // A viewer's sync step 2 (the answer to the room's step 1) is normal traffic and goes the same way.
  const header = peekHeader(bytes);
  if (connection.claims.role === "viewer" && header && isWrite(header)) return { kind: "skip" };
  const verdict = inspectFrame(bytes, received.maxBytes, config.awareness.maxEntriesPerFrame, connection.structs.available());
  if (!verdict.ok) return { kind: "refuse", code: verdict.code, reason: verdict.reason };
  if (verdict.structCount) connection.structs.take(verdict.structCount);
  return { kind: "frame", bytes, verdict };
}
