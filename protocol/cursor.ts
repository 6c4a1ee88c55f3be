/**
 * The `cursor` field of an awareness state, as y-codemirror.next writes it and reads it to draw a remote
 * cursor: `{ anchor, head }`, each a Y.RelativePosition as JSON (`{ type, tname, item, assoc }`, where
 * `type` and `item` are Yjs ids `{ client, clock }` or null). y-codemirror.next hands both straight to
 * `Y.createAbsolutePositionFromRelativePosition`, which tests `!== null`: a missing field, a number or a
 * string where an id belongs throws inside the editor's update and stops every remote cursor from drawing.
 * The room refuses states whose cursor fails this check; the web client skips them too.
 */
export function isDrawableCursor(cursor: unknown): boolean {
  if (cursor === null || cursor === undefined) return true;
  if (!isRecord(cursor)) return false;
  return isRelativePosition(cursor.anchor) && isRelativePosition(cursor.head);
}

/** Longest root-type name accepted in a relative position (ours are a handful of characters). */
const MAX_TNAME_LENGTH = 64;

/**
 * The `following` field of an awareness state: the Yjs client id of the peer this person's view follows,
 * or null/absent. Only a client id (a small number) is accepted, so the field cannot carry text or grow:
 * the followed person's client shows "<name> is following you", with the name from the verified `user`.
 */
export function isFollowTarget(following: unknown): boolean {
  return following === null || following === undefined || isUint(following);
}

function isRelativePosition(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { type, tname, item, assoc } = value;
  if (!(type === null || isYId(type))) return false;
  if (!(tname === null || (typeof tname === "string" && tname.length <= MAX_TNAME_LENGTH))) return false;
  if (!(item === null || isYId(item))) return false;
  if (!(typeof assoc === "number" && Number.isInteger(assoc))) return false;
  // Yjs resolves item, else tname, else type, and throws when all three are null.
  return item !== null || tname !== null || type !== null;
}

function isYId(value: unknown): boolean {
  return isRecord(value) && isUint(value.client) && isUint(value.clock);
}

function isUint(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
