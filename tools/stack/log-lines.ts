/**
 * The servers log JSON lines (protocol/log.ts) for machines; the dev terminal shows them as one short line
 * for people: `warn  room my-notes: closing a connection code=4429 reason="…"`. Anything that is not such a
 * line is shown as it came. Warnings are yellow and errors red, so that errors still read as errors.
 *
 * @example
 * humanLogLine('{"level":"info","msg":"request","time":"…","requestId":"abc","status":200}')
 * // "info  request status=200 (abc)"
 */
export function humanLogLine(line: string): string {
  const start = line.indexOf("{\"level\":");
  if (start < 0) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line.slice(start).replace(ANSI, "")) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, msg, time: _time, room, requestId, ...fields } = entry;
  if (typeof level !== "string" || typeof msg !== "string") return line;
  const where = typeof room === "string" ? `room ${room}: ` : "";
  const details = Object.entries(fields).map(([key, value]) => `${key}=${short(value)}`);
  const text = `${level.padEnd(5)} ${where}${msg}${details.length ? " " + details.join(" ") : ""}${typeof requestId === "string" ? ` (${requestId})` : ""}`;
  const color = level === "error" ? 31 : level === "warn" ? 33 : 0;
  // partykit dev prints every console.warn as "✘ [ERROR]": the line's own level says what it is.
  const prefix = RUNTIME_ERROR_PREFIX.test(line.slice(0, start).replace(ANSI, "")) && level !== "error" ? "" : line.slice(0, start);
  return prefix + (color ? `\x1b[${color}m${text}\x1b[0m` : text);
}

const ANSI = /\x1b\[[0-9;]*m/g;
const RUNTIME_ERROR_PREFIX = /✘\s*\[ERROR\]\s*$/;

function short(value: unknown): string {
  const text = typeof value === "string" ? (/\s/.test(value) ? JSON.stringify(value) : value) : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
