import {
  ConfigError, DEFAULT_VERSION_RETENTION, Limits, distinctSecrets, envSchema, asIs, logLevel, optionalString, parseEnv, positiveInt, postgresUrl,
  presenceEnv, presenceOf, secret, type LogLevel, type PresenceConfig, type VersionRetention,
} from "@collab/protocol";

export { ConfigError };

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
  /** Redis (UPSTASH_REDIS_REST_URL and _TOKEN) or the lobby party. */
  presence: PresenceConfig;
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
  /** What one user may cost a room in connections (join-guard.ts; over either closes with 4429). */
  joins: { maxOpen: number; maxRoom: number; perSecond: number; burst: number };
  /** Chunked uploads: bytes the room holds unfinished (all connections), and how long one may stay unfinished (4408). */
  uploads: { maxRoomBytes: number; timeoutMs: number };
  /** Awareness per connection: Yjs client ids it may use, entries per frame, bytes of its own states. */
  awareness: { maxClientIds: number; maxEntriesPerFrame: number; bytesPerSecond: number; byteBurst: number };
  /** Bytes sent to a peer and not proven read past which it is closed as a slow reader (4504). */
  slowReaderBytes: number;
  /**
   * Automatic versions: this long after editing settles, at most this long apart while it goes on.
   * `AUTO_VERSIONS=off` takes none (benchmarks compare typing with and without them); named versions and
   * restores still work.
   */
  versions: { auto: boolean; settleMs: number; maxWaitMs: number; retention: VersionRetention };
  /** `LOG_LEVEL`: debug, info (default), warn or error. */
  logLevel: LogLevel;
  /** How often a room reports its metrics through the presence channel while it is active (issue 10). */
  metricsReportMs: number;
}

/** Room storage values are chunked at 128 KiB and one atomic put holds at most 128 keys. */
const MAX_ATOMIC_DOCUMENT_BYTES = 120 * 128 * 1024;

const partykitHint = (name: string) => `npx partykit env add ${name}`;

/**
 * The room's environment, the one schema of this runtime (built from protocol/config.ts's pieces); its
 * output is the {@link RoomConfig}. Every variable is named once here, with its default.
 */
const RoomEnv = envSchema({
  DATABASE_URL: postgresUrl("npm run dev sets it for you"),
  ROOM_TOKEN_SECRET: secret("ROOM_TOKEN_SECRET", partykitHint("ROOM_TOKEN_SECRET")),
  INTERNAL_SECRET: secret("INTERNAL_SECRET", partykitHint("INTERNAL_SECRET")),
  DB_WS_PROXY: optionalString(),
  MAX_MESSAGE_BYTES: positiveInt("MAX_MESSAGE_BYTES", Limits.maxMessageBytes),
  MAX_DOCUMENT_BYTES: positiveInt("MAX_DOCUMENT_BYTES", Limits.maxDocumentBytes),
  SNAPSHOT_DEBOUNCE_MS: positiveInt("SNAPSHOT_DEBOUNCE_MS", 2_000),
  SNAPSHOT_MAX_WAIT_MS: positiveInt("SNAPSHOT_MAX_WAIT_MS", 10_000),
  LOAD_TIMEOUT_MS: positiveInt("LOAD_TIMEOUT_MS", 10_000),
  PRESENCE_TTL_SECONDS: positiveInt("PRESENCE_TTL_SECONDS", 15),
  PRESENCE: asIs(),
  IDLE_TIMEOUT_MS: positiveInt("IDLE_TIMEOUT_MS", 45_000),
  MAX_PENDING_BYTES: positiveInt("MAX_PENDING_BYTES", 1024 * 1024),
  MAX_PENDING_MS: positiveInt("MAX_PENDING_MS", 30_000),
  UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT: asIs(),
  // Typing sends an update and a cursor move per keystroke (a fast typist: ~30 a second). The burst lets
  // a client replay thousands of queued transactions one frame each (party/replay.test.ts: 18,335).
  RATE_MESSAGES_PER_SECOND: positiveInt("RATE_MESSAGES_PER_SECOND", 1_000),
  RATE_MESSAGE_BURST: positiveInt("RATE_MESSAGE_BURST", 20_000),
  // A paste is one frame of at most MAX_MESSAGE_BYTES; four of them at once still pass.
  RATE_BYTES_PER_SECOND: positiveInt("RATE_BYTES_PER_SECOND", 512 * 1024),
  RATE_BYTE_BURST: positiveInt("RATE_BYTE_BURST", 4 * 1024 * 1024),
  // What an update costs the room's thread grows with its structs (a keystroke is one, a paste one, the
  // whole automerge-paper history 10,971), not its bytes: 1 MB can hold 450,000 one-unit structs.
  RATE_STRUCTS_PER_SECOND: positiveInt("RATE_STRUCTS_PER_SECOND", 10_000),
  RATE_STRUCT_BURST: positiveInt("RATE_STRUCT_BURST", 50_000),
  // A person has a tab or two on a document; every tab reconnects at once after a restart or a network change.
  MAX_CONNECTIONS_PER_USER: positiveInt("MAX_CONNECTIONS_PER_USER", 32),
  RATE_JOINS_PER_SECOND: positiveInt("RATE_JOINS_PER_SECOND", 5),
  RATE_JOIN_BURST: positiveInt("RATE_JOIN_BURST", 20),
  // A connection costs the room tens of KB (its budgets, its awareness, what is queued for it).
  MAX_CONNECTIONS_PER_ROOM: positiveInt("MAX_CONNECTIONS_PER_ROOM", 1_000),
  // Unfinished chunked uploads (frames over 1 MB: a big paste, a long offline session's sync), all connections
  // together, and how long one may take: at RATE_BYTES_PER_SECOND an 8 MiB upload takes 8 s.
  MAX_UPLOAD_BYTES_PER_ROOM: positiveInt("MAX_UPLOAD_BYTES_PER_ROOM", 24 * 1024 * 1024),
  UPLOAD_TIMEOUT_MS: positiveInt("UPLOAD_TIMEOUT_MS", 60_000),
  // One per provider; a Yjs doc changes its id when it sees its own id in a remote update.
  MAX_CLIENT_IDS_PER_CONNECTION: positiveInt("MAX_CLIENT_IDS_PER_CONNECTION", 4),
  // Providers that echo (y-websocket's code) send everyone's states in one frame after connecting.
  MAX_AWARENESS_ENTRIES: positiveInt("MAX_AWARENESS_ENTRIES", 256),
  // A cursor state is ~200 bytes; at most 20 frames a second reach the others anyway.
  AWARENESS_BYTES_PER_SECOND: positiveInt("AWARENESS_BYTES_PER_SECOND", 32 * 1024),
  AWARENESS_BYTE_BURST: positiveInt("AWARENESS_BYTE_BURST", 128 * 1024),
  SLOW_READER_BYTES: positiveInt("SLOW_READER_BYTES", 16 * 1024 * 1024),
  AUTO_VERSIONS: asIs(),
  VERSION_SETTLE_MS: positiveInt("VERSION_SETTLE_MS", 30_000),
  VERSION_MAX_WAIT_MS: positiveInt("VERSION_MAX_WAIT_MS", 5 * 60_000),
  VERSION_KEEP_ALL_HOURS: positiveInt("VERSION_KEEP_ALL_HOURS", DEFAULT_VERSION_RETENTION.keepAllHours),
  VERSION_HOURLY_DAYS: positiveInt("VERSION_HOURLY_DAYS", DEFAULT_VERSION_RETENTION.hourlyDays),
  LOG_LEVEL: logLevel(),
  METRICS_REPORT_MS: positiveInt("METRICS_REPORT_MS", 5_000),
  ...presenceEnv,
}).transform((env): RoomConfig => {
  // Checks across variables: a ConfigError thrown here leaves parseEnv as it is.
  distinctSecrets(env.ROOM_TOKEN_SECRET, env.INTERNAL_SECRET);
  if (env.RATE_BYTE_BURST < env.MAX_MESSAGE_BYTES) {
    throw new ConfigError(`RATE_BYTE_BURST must be at least MAX_MESSAGE_BYTES (${env.MAX_MESSAGE_BYTES}), or no full-size frame could pass`);
  }
  if (env.MAX_UPLOAD_BYTES_PER_ROOM < env.MAX_DOCUMENT_BYTES) {
    throw new ConfigError(`MAX_UPLOAD_BYTES_PER_ROOM must be at least MAX_DOCUMENT_BYTES (${env.MAX_DOCUMENT_BYTES}), or no document-sized upload could pass`);
  }
  if (env.SLOW_READER_BYTES <= env.MAX_DOCUMENT_BYTES) {
    throw new ConfigError(`SLOW_READER_BYTES must exceed MAX_DOCUMENT_BYTES (${env.MAX_DOCUMENT_BYTES}): a new peer is sent the whole document at once`);
  }
  if (env.MAX_DOCUMENT_BYTES > MAX_ATOMIC_DOCUMENT_BYTES) {
    throw new ConfigError(`MAX_DOCUMENT_BYTES must be at most ${MAX_ATOMIC_DOCUMENT_BYTES} (one atomic storage write)`);
  }
  return {
    databaseUrl: env.DATABASE_URL,
    roomTokenSecret: env.ROOM_TOKEN_SECRET,
    internalSecret: env.INTERNAL_SECRET,
    dbWsProxy: env.DB_WS_PROXY,
    maxMessageBytes: env.MAX_MESSAGE_BYTES,
    maxDocumentBytes: env.MAX_DOCUMENT_BYTES,
    snapshotDebounceMs: env.SNAPSHOT_DEBOUNCE_MS,
    snapshotMaxWaitMs: env.SNAPSHOT_MAX_WAIT_MS,
    loadTimeoutMs: env.LOAD_TIMEOUT_MS,
    presenceTtlSeconds: env.PRESENCE_TTL_SECONDS,
    presenceEnabled: env.PRESENCE !== "off",
    presence: presenceOf(env),
    idleTimeoutMs: env.IDLE_TIMEOUT_MS,
    maxPendingBytes: env.MAX_PENDING_BYTES,
    maxPendingMs: env.MAX_PENDING_MS,
    unsafeCommitDelayMs: unsafeBypass(env.UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT, env.DB_WS_PROXY),
    rate: {
      messagesPerSecond: env.RATE_MESSAGES_PER_SECOND,
      messageBurst: env.RATE_MESSAGE_BURST,
      bytesPerSecond: env.RATE_BYTES_PER_SECOND,
      byteBurst: env.RATE_BYTE_BURST,
      structsPerSecond: env.RATE_STRUCTS_PER_SECOND,
      structBurst: env.RATE_STRUCT_BURST,
    },
    joins: { maxOpen: env.MAX_CONNECTIONS_PER_USER, maxRoom: env.MAX_CONNECTIONS_PER_ROOM, perSecond: env.RATE_JOINS_PER_SECOND, burst: env.RATE_JOIN_BURST },
    uploads: { maxRoomBytes: env.MAX_UPLOAD_BYTES_PER_ROOM, timeoutMs: env.UPLOAD_TIMEOUT_MS },
    awareness: {
      maxClientIds: env.MAX_CLIENT_IDS_PER_CONNECTION,
      maxEntriesPerFrame: env.MAX_AWARENESS_ENTRIES,
      bytesPerSecond: env.AWARENESS_BYTES_PER_SECOND,
      byteBurst: env.AWARENESS_BYTE_BURST,
    },
    slowReaderBytes: env.SLOW_READER_BYTES,
    versions: {
      auto: autoVersions(env.AUTO_VERSIONS),
      settleMs: env.VERSION_SETTLE_MS,
      maxWaitMs: env.VERSION_MAX_WAIT_MS,
      retention: { keepAllHours: env.VERSION_KEEP_ALL_HOURS, hourlyDays: env.VERSION_HOURLY_DAYS },
    },
    logLevel: env.LOG_LEVEL,
    metricsReportMs: env.METRICS_REPORT_MS,
  };
});

/** Reads and checks `room.env` once, when the room starts: a bad value throws a ConfigError naming it. */
export function readRoomConfig(env: Record<string, unknown>): RoomConfig {
  return parseEnv(RoomEnv, env);
}

/** `AUTO_VERSIONS`: on unless `off`; anything else is a typo, refused rather than read as on. */
function autoVersions(value: unknown): boolean {
  if (value === undefined || value === "" || value === "on") return true;
  if (value === "off") return false;
  throw new ConfigError('AUTO_VERSIONS must be "on" (the default) or "off"');
}

/** The durability bypass for the negative durability test: loud to set, refused outside a local stack. */
function unsafeBypass(value: unknown, dbWsProxy: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (value !== "lose-data") throw new ConfigError('UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT must be unset, or "lose-data" in tests');
  if (!dbWsProxy) throw new ConfigError("UNSAFE_TEST_ONLY_RELEASE_BEFORE_COMMIT is honoured only on a local stack (DB_WS_PROXY set)");
  // The room logs a warning when it starts with this (server.ts): a log line needs the room's id.
  return 100;
}

/*
 * What the edge (a static `onBeforeConnect`, per request) and the lobby need, without the whole room's
 * configuration: the same pieces, so the same checks and messages.
 */
const RoomSecretEnv = envSchema({ ROOM_TOKEN_SECRET: secret("ROOM_TOKEN_SECRET", partykitHint("ROOM_TOKEN_SECRET")) });
const LobbyEnv = envSchema({ INTERNAL_SECRET: secret("INTERNAL_SECRET", partykitHint("INTERNAL_SECRET")) });

/** ROOM_TOKEN_SECRET, checked: a room never runs with a missing or weak secret. */
export function readRoomSecret(env: Record<string, unknown>): string {
  return parseEnv(RoomSecretEnv, env).ROOM_TOKEN_SECRET;
}

/** INTERNAL_SECRET, checked like ROOM_TOKEN_SECRET (the lobby reads only this one). */
export function readInternalSecret(env: Record<string, unknown>): string {
  return parseEnv(LobbyEnv, env).INTERNAL_SECRET;
}
