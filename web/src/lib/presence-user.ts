import { colorFor, lightColor, type PresenceUser, type User } from "@collab/protocol";

/**
 * What a signed-in person publishes in a room's awareness, taken from their account: the account id keeps
 * all their tabs one entry in the presence list, the display name labels their cursor, and the account's
 * colour is theirs on every device. A colour that is not `#rrggbb` falls back to the palette colour of the id
 * (y-codemirror.next appends an alpha to it for selections).
 */
export function presenceUserFor(user: Pick<User, "id" | "displayName" | "color">): PresenceUser {
  const color = /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : colorFor(user.id).color;
  return { id: user.id, name: user.displayName, color, colorLight: lightColor(color) };
}
