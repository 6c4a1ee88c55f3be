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
  /** The latest restore (`RestoreNotice`, protocol/versions.ts): written by the room only. */
  restored: "restored",
} as const;
