/**
 * The shape of every document's Y.Doc. Server and clients must agree on these root names: a typo creates a
 * second, empty root that nobody else sees.
 *
 * - `content` (Y.Text): the source text the editor binds to.
 * - `meta` (Y.Map): document settings that sync live, e.g. `language`.
 */
export const DocRoot = {
  content: "content",
  meta: "meta",
} as const;

export const MetaKey = {
  language: "language",
} as const;
