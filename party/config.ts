import { Limits, DEFAULT_VERSION_RETENTION, parseLogLevel, type LogLevel, type VersionRetention } from "@collab/protocol";

/**
 * The room's configuration, read once from `room.env` (partykit.json `vars`, `.env`, `--var K=V`; all
 * strings) and checked when the room starts. A bad value stops the room with a message naming the variable.
 */
export interface RoomConfig {
  databaseUrl: string;
  /** Verifies room tokens (clients'); the worker holds the same secret to sign them. */
  roomTokenSecret: string;
  /** INTERNAL_SECRET: authorises the worker's room commands and the rooms' lobby calls, nothing else. */
  internalSecret: string;
  /** host:port of a local Neon wsproxy; unset in production (Neon). */
  dbWsProxy: string | undefined;
  maxMessageBytes: number;
  maxDocumentBytes: number;
  /** Postgres snapshot: this long after the last edit... */
  snapshotDebounceMs: number;
  /** ...but at least this often while edits keep coming. */
  snapshotMaxWaitMs: number;
  /** A room whose state cannot be loaded within this time refuses the connection (RoomUnavailable). */
  loadTimeoutMs: number;
  /** Published users expire this long after the room's last refresh (a crashed room's users vanish). */
  presenceTtlSeconds: number;
  /** `PRESENCE=off` stops publishing (benchmarks compare editing with and without it). */
  presenceEnabled: boolean;
  /** A socket silent this long is half-open and closed (providers renew awareness every 15 s). */
  idleTimeoutMs: number;
  /** Yjs pending state (updates with gaps) one connection may leave in the room, in bytes... */
  maxPendingBytes: number;
  /** ...and for how long, before it is closed with 4425 and the pending state dropped. */
  maxPendingMs: number;
  /**
   * TEST ONLY: release messages before their updates are stored, committing this many ms later. Set by
   * `UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT=lose-data` and honoured only with a local database proxy
   * (`DB_WS_PROXY`), never in production. Loses acknowledged edits on a crash, by design.
   */
  unsafeCommitDelayMs: number | undefined;
  /** What one connection may send, whatever its role (token buckets; over either closes with 4429). */
  rate: { messagesPerSecond: number; messageBurst: number; bytesPerSecond: number; byteBurst: number; structsPerSecond: number; structBurst: number };
  /** Awareness per connection: Yjs client ids it may use, entries per frame, bytes of its own states. */
  awareness: { maxClientIds: number; maxEntriesPerFrame: number; bytesPerSecond: number; byteBurst: number };
  /** Bytes sent to a peer and not proven read past which it is closed as a slow reader (4504). */
  slowReaderBytes: number;
  /** Automatic versions: this long after editing settles, at most this long apart while it goes on. */
  versions: { settleMs: number; maxWaitMs: number; retention: VersionRetention };
  /** `LOG_LEVEL`: debug, info (default), warn or error. */
  logLevel: LogLevel;
  /** How often a room reports its metrics through the presence channel while it is active (issue 10). */
  metricsReportMs: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Room storage values are chunked at 128 KiB and one atomic put holds at most 128 keys. */
const MAX_ATOMIC_DOCUMENT_BYTES = 120 * 128 * 1024;

export function readRoomConfig(env: Record<string, unknown>): RoomConfig {
  const databaseUrl = env.DATABASE_URL;
  if (typeof databaseUrl !== "string" || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must be set to a postgres:// URL (npm run dev sets it for you)");
  }
  const config: RoomConfig = {
    databaseUrl,
    roomTokenSecret: readRoomSecret(env),
    internalSecret: readInternalSecret(env),
    dbWsProxy: optionalString(env.DB_WS_PROXY),
    maxMessageBytes: positiveInt(env, "MAX_MESSAGE_BYTES", Limits.maxMessageBytes),
    maxDocumentBytes: positiveInt(env, "MAX_DOCUMENT_BYTES", Limits.maxDocumentBytes),
    snapshotDebounceMs: positiveInt(env, "SNAPSHOT_DEBOUNCE_MS", 2_000),
    snapshotMaxWaitMs: positiveInt(env, "SNAPSHOT_MAX_WAIT_MS", 10_000),
    loadTimeoutMs: positiveInt(env, "LOAD_TIMEOUT_MS", 10_000),
    presenceTtlSeconds: positiveInt(env, "PRESENCE_TTL_SECONDS", 15),
    presenceEnabled: env.PRESENCE !== "off",
    idleTimeoutMs: positiveInt(env, "IDLE_TIMEOUT_MS", 45_000),
    maxPendingBytes: positiveInt(env, "MAX_PENDING_BYTES", 1024 * 1024),
    maxPendingMs: positiveInt(env, "MAX_PENDING_MS", 30_000),
    unsafeCommitDelayMs: readUnsafeBypass(env),
    rate: {
      // Typing sends an update and a cursor move per keystroke (a fast typist: ~30 a second). The burst lets
      // a client replay thousands of queued transactions one frame each (party/replay.test.ts: 18,335).
      messagesPerSecond: positiveInt(env, "RATE_MESSAGES_PER_SECOND", 1_000),
      messageBurst: positiveInt(env, "RATE_MESSAGE_BURST", 20_000),
      // A paste is one frame of at most MAX_MESSAGE_BYTES; four of them at once still pass.
      bytesPerSecond: positiveInt(env, "RATE_BYTES_PER_SECOND", 512 * 1024),
      byteBurst: positiveInt(env, "RATE_BYTE_BURST", 4 * 1024 * 1024),
      // What an update costs the room's thread grows with its structs (a keystroke is one, a paste one, the
      // whole automerge-paper history 10,971), not its bytes: 1 MB can hold 450,000 one-unit structs.
      structsPerSecond: positiveInt(env, "RATE_STRUCTS_PER_SECOND", 10_000),
      structBurst: positiveInt(env, "RATE_STRUCT_BURST", 50_000),
    },
    awareness: {
      // One per provider; a Yjs doc changes its id when it sees its own id in a remote update.
      maxClientIds: positiveInt(env, "MAX_CLIENT_IDS_PER_CONNECTION", 4),
      // Providers that echo (y-websocket's code) send everyone's states in one frame after connecting.
      maxEntriesPerFrame: positiveInt(env, "MAX_AWARENESS_ENTRIES", 256),
      // A cursor state is ~200 bytes; at most 20 frames a second reach the others anyway.
      bytesPerSecond: positiveInt(env, "AWARENESS_BYTES_PER_SECOND", 32 * 1024),
      byteBurst: positiveInt(env, "AWARENESS_BYTE_BURST", 128 * 1024),
    },
    slowReaderBytes: positiveInt(env, "SLOW_READER_BYTES", 16 * 1024 * 1024),
    versions: {
      settleMs: positiveInt(env, "VERSION_SETTLE_MS", 30_000),
      maxWaitMs: positiveInt(env, "VERSION_MAX_WAIT_MS", 5 * 60_000),
      retention: {
        keepAllHours: positiveInt(env, "VERSION_KEEP_ALL_HOURS", DEFAULT_VERSION_RETENTION.keepAllHours),
        hourlyDays: positiveInt(env, "VERSION_HOURLY_DAYS", DEFAULT_VERSION_RETENTION.hourlyDays),
      },
    },
    logLevel: readLogLevel(env),
    metricsReportMs: positiveInt(env, "METRICS_REPORT_MS", 5_000),
  };
  if (config.rate.byteBurst < config.maxMessageBytes) {
    throw new ConfigError(`RATE_BYTE_BURST must be at least MAX_MESSAGE_BYTES (${config.maxMessageBytes}), or no full-size frame could pass`);
  }
  if (config.slowReaderBytes <= config.maxDocumentBytes) {
    throw new ConfigError(`SLOW_READER_BYTES must exceed MAX_DOCUMENT_BYTES (${config.maxDocumentBytes}): a new peer is sent the whole document at once`);
  }
  if (config.maxDocumentBytes > MAX_ATOMIC_DOCUMENT_BYTES) {
    throw new ConfigError(`MAX_DOCUMENT_BYTES must be at most ${MAX_ATOMIC_DOCUMENT_BYTES} (one atomic storage write)`);
  }
  if (config.internalSecret === config.roomTokenSecret) {
    throw new ConfigError("INTERNAL_SECRET must differ from ROOM_TOKEN_SECRET: one credential per purpose");
  }
  return config;
}

/** The durability bypass for the negative durability test: loud to set, refused outside a local stack. */
function readUnsafeBypass(env: Record<string, unknown>): number | undefined {
  const value = env.UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT;
  if (value === undefined || value === "") return undefined;
  if (value !== "lose-data") throw new ConfigError('UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT must be unset, or "lose-data" in tests');
  if (!optionalString(env.DB_WS_PROXY)) throw new ConfigError("UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT is honoured only on a local stack (DB_WS_PROXY set)");
  // The room logs a warning when it starts with this (server.ts): a log line needs the room's id.
  return 100;
}

/** LOG_LEVEL, checked like every other variable (the logger itself is shared: protocol/log.ts). */
export function readLogLevel(env: Record<string, unknown>): LogLevel {
  try {
    return parseLogLevel(env.LOG_LEVEL);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/** ROOM_TOKEN_SECRET, checked: a room never runs with a missing or weak secret. */
export function readRoomSecret(env: Record<string, unknown>): string {
  const secret = env.ROOM_TOKEN_SECRET;
  if (typeof secret !== "string" || secret.length < 32) {
    throw new ConfigError("ROOM_TOKEN_SECRET must be set to a random string of at least 32 characters (npx partykit env add ROOM_TOKEN_SECRET)");
  }
  return secret;
}

/** INTERNAL_SECRET, checked like ROOM_TOKEN_SECRET (the lobby reads only this one). */
export function readInternalSecret(env: Record<string, unknown>): string {
  const secret = env.INTERNAL_SECRET;
  if (typeof secret !== "string" || secret.length < 32) {
    throw new ConfigError("INTERNAL_SECRET must be set to a random string of at least 32 characters (npx partykit env add INTERNAL_SECRET)");
  }
  return secret;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function positiveInt(env: Record<string, unknown>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
