const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/**
 * "just now", "5 minutes ago", "yesterday", "3 weeks ago": how long ago `iso` was, in the largest whole unit.
 * A time slightly in the future (clock skew between browser and server) reads as "just now".
 *
 * @example
 * relativeTime("2026-01-01T11:55:00Z", Date.parse("2026-01-01T12:00:00Z")) // "5 minutes ago"
 */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(seconds)) return "";
  if (seconds < 45) return "just now";
  for (const [unit, size] of UNITS) {
    // Round to the nearest unit once past 90% of it ("1 hour ago" at 55 minutes reads oddly; at 58 it is fine).
    if (seconds >= size * 0.95 || unit === "minute") return format.format(-Math.max(1, Math.round(seconds / size)), unit);
  }
  return "just now";
}
