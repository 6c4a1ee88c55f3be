/**
 * The shape of every document's Y.Doc. Server and clients must agree on these root names: a typo creates a
 * second, empty root that nobody else sees.
 *
 * - `content` (Y.Text): the source text the editor binds to.
 * - `meta` (Y.Map): document settings that sync live: `language`, and `title`.
 *
 * `title` is a mirror for open editors: Postgres holds the title, and the worker's rename (`PATCH`) sets it
 * here through the room (`set-title`), so everyone with the document open sees a rename at once. Any editor
 * can write the map, so readers check it with `Title` and fall back to the title the API gave them.
 */
export const DocRoot = {
  content: "content",
  meta: "meta",
} as const;

export const MetaKey = {
  language: "language",
  title: "title",
  /**
   * The latest restore (`RestoreNotice`, protocol/versions.ts). Readers trust it only when its entry was
   * written under {@link ROOM_CLIENT_ID}: any editor can write the map, but not under that id.
   */
  restored: "restored",
} as const;

/**
 * The Yjs client id the room writes its own edits under (REST edits, restores, restore notices). The room
 * reserves it: a connection that sends structs or awareness under it is refused like any id taken by
 * another user (4423). So what a reader finds under this id came from the room, which wrote it from a
 * verified session. One fixed value across the room's restarts, so an id the room once used can never be
 * taken over later.
 */
export const ROOM_CLIENT_ID = 0x7e_a1_00_01;
