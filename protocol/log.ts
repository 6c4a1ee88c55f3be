/**
 * Structured logs shared by the worker and the rooms: one JSON object per line, with `level`, `msg`, `time`
 * and the fields of the logger (`requestId` on the worker, `room` in a room), so that a log pipeline can
 * filter and join without parsing prose. The level comes from `LOG_LEVEL`, read where each side parses its
 * configuration (worker/config.ts, party/config.ts).
 *
 * Lines go to `console.log` (debug, info), `console.warn` and `console.error`: in workerd that is stdout and
 * stderr, which is what `wrangler tail`, Logpush and `partykit tail` collect.
 *
 * @example
 * const log = createLogger({ level: "info", fields: { room: "my-notes" } });
 * log.warn("closing a connection", { code: 4429, reason: "over 1000 messages a second" });
 * // {"level":"warn","msg":"closing a connection","time":"2026-…","room":"my-notes","code":4429,"reason":"…"}
 */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The same logger with more fields on every line (e.g. a request id). */
  child(fields: LogFields): Logger;
}

/** `LOG_LEVEL` as given: unset or empty is `fallback`; anything else must be one of {@link LOG_LEVELS}. */
export function parseLogLevel(raw: unknown, fallback: LogLevel = "info"): LogLevel {
  if (raw === undefined || raw === "") return fallback;
  const value = typeof raw === "string" ? raw.trim().toLowerCase() : raw;
  if (typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new RangeError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${String(raw).slice(0, 40)}"`);
}

export interface LoggerOptions {
  level: LogLevel;
  fields?: LogFields;
  /** Fields computed for every line, e.g. a room id that is only known once a request arrived. */
  context?: () => LogFields;
  /** Where a line goes; the console by default. Tests collect lines with it. */
  write?: (line: string, level: LogLevel) => void;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const base = options.fields ?? {};
  const write = options.write ?? writeToConsole;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    write(formatLine(level, msg, { ...base, ...options.context?.(), ...fields }), level);
  };
  return {
    level: options.level,
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** One line of JSON. Errors become `{ name, message }` (a stack is many lines and says little in workerd). */
export function formatLine(level: LogLevel, msg: string, fields: LogFields): string {
  const line: LogFields = { level, msg, time: new Date().toISOString() };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key === "level" || key === "msg" || key === "time") continue;
    line[key] = value instanceof Error ? errorFields(value) : value;
  }
  try {
    return JSON.stringify(line);
  } catch {
    // A field that does not serialize (a cycle, a BigInt) must not lose the line.
    return JSON.stringify({ level, msg, time: line.time, unserializable: true });
  }
}

function errorFields(error: Error): LogFields {
  const cause = (error as { cause?: unknown }).cause;
  return {
    name: error.name,
    message: error.message.split("\n")[0],
    ...(cause instanceof Error ? { cause: `${cause.name}: ${cause.message.split("\n")[0]}` } : {}),
  };
}

function writeToConsole(line: string, level: LogLevel): void {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
