import type { ActiveUser, UserSummary, VersionKind, VersionSummary } from "@collab/protocol";

/** One day's versions in the history panel, newest first. */
export interface VersionDay {
  /** `YYYY-MM-DD` in local time, for keyed lists. */
  key: string;
  /** "Today", "Yesterday", or e.g. "Mon, Nov 23" (with the year when it is not this year). */
  label: string;
  items: VersionSummary[];
}

/**
 * Versions (newest first, as the API lists them) grouped by their local calendar day, keeping the order.
 *
 * @example
 * groupByDay(items, new Date()) // [{ key: "2026-11-30", label: "Today", items: [...] }, { label: "Yesterday", ... }]
 */
export function groupByDay(items: readonly VersionSummary[], now = new Date()): VersionDay[] {
  const days: VersionDay[] = [];
  for (const item of items) {
    const at = new Date(item.createdAt);
    const key = dayKey(at);
    const last = days.at(-1);
    if (last?.key === key) last.items.push(item);
    else days.push({ key, label: dayLabel(at, now), items: [item] });
  }
  return days;
}

function dayKey(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function dayLabel(date: Date, now: Date): string {
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (dayKey(date) === dayKey(now)) return "Today";
  if (dayKey(date) === dayKey(yesterday)) return "Yesterday";
  const sameYear = date.getFullYear() === now.getFullYear();
  return date.toLocaleDateString("en", { weekday: "short", month: "short", day: "numeric", ...(sameYear ? {} : { year: "numeric" }) });
}

/** "10:42", local time, 24-hour: how a version without a name is called. */
export function timeOf(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** What the list calls a version: its name, or the time it was taken. */
export function versionTitle(version: Pick<VersionSummary, "name" | "createdAt">): string {
  return version.name ?? timeOf(version.createdAt);
}

const KIND_LABELS: Record<VersionKind, string> = { auto: "Automatic", named: "Named", restore: "Restore" };

export function kindLabel(kind: VersionKind): string {
  return KIND_LABELS[kind];
}

/**
 * How a restore notice names the version: `"before refactor"` (quoted) for a named one, "the version from
 * 10:42" otherwise.
 *
 * @example
 * `${name} restored ${restoredLabel(version)}` // "Ada restored the version from 10:42"
 */
export function restoredLabel(version: Pick<VersionSummary, "name" | "createdAt">): string {
  return version.name ? `“${version.name}”` : `the version from ${timeOf(version.createdAt)}`;
}

/** A version's authors in the shape the avatar stack draws (one "connection" each: they are not live). */
export function authorsAsUsers(authors: readonly UserSummary[]): ActiveUser[] {
  return authors.map((author) => ({ id: author.id, name: author.displayName || author.username, color: author.color, connections: 1 }));
}
