import { colorFor, type ActiveUser } from "@collab/protocol";
import { isHexColor } from "./presence-entries.ts";

/** One avatar in a document's row. */
export interface Avatar {
  user: ActiveUser;
  isSelf: boolean;
  initials: string;
  /** The user's colour (`#rrggbb`), or their palette colour if what came is not plain hex. */
  background: string;
  /** Black or white, whichever reads better on `background`. */
  foreground: string;
}

export interface AvatarStack {
  shown: Avatar[];
  /** Who did not fit, for the "+N" chip and its tooltip. */
  hidden: Avatar[];
}

/**
 * The avatars for a document's row: yourself first, then by name; at most `max` shown, the rest behind a
 * "+N" (when only one would be hidden, it is shown instead: "+1" takes the room of an avatar anyway).
 *
 * @example
 * avatarStack(users, session.user?.id, 4) // { shown: [Ada (you), Bob, Cy, Di], hidden: [Ed, Flo] }
 */
export function avatarStack(users: readonly ActiveUser[], selfId: string | undefined, max = 4): AvatarStack {
  const avatars = users
    .map((user) => avatarFor(user, user.id === selfId))
    .sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || a.user.name.localeCompare(b.user.name));
  const limit = avatars.length > max + 1 ? max : avatars.length;
  return { shown: avatars.slice(0, limit), hidden: avatars.slice(limit) };
}

function avatarFor(user: ActiveUser, isSelf: boolean): Avatar {
  const background = isHexColor(user.color) && user.color.length === 7 ? user.color : colorFor(user.id).color;
  return { user, isSelf, initials: initials(user.name), background, foreground: readableOn(background) };
}

/**
 * One or two letters for a name: the first letter of a single word ("Ada" -> "A", as in the user menu), or
 * the first letters of the first and last words ("Ada Lovelace" -> "AL"). Letters, not UTF-16 code units,
 * so "Émilie" and emoji stay whole.
 */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const first = (word: string) => [...word][0] ?? "";
  const letters = words.length === 1 ? first(words[0]!) : first(words[0]!) + first(words.at(-1)!);
  return letters.toLocaleUpperCase();
}

const DARK_TEXT = "#111827";

/** Dark text or white, whichever contrasts more with `hex` (`#rrggbb`), by WCAG's contrast ratio. */
export function readableOn(hex: string): string {
  const background = luminance(hex);
  const contrast = (text: number) => (Math.max(text, background) + 0.05) / (Math.min(text, background) + 0.05);
  return contrast(luminance(DARK_TEXT)) >= contrast(1) ? DARK_TEXT : "#ffffff";
}

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
