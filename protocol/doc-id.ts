/**
 * Document ids appear in URLs (`/d/:id`), room names (`/parties/main/:id`) and database keys, so one rule
 * keeps all three safe: 1 to 64 characters of `A-Z a-z 0-9 _ -`. New ids are 21-character nanoids
 * (126 bits, unguessable); shorter hand-picked ids such as `demo` stay valid for shared scratch pads.
 *
 * @example
 * parseDocId("my-notes") // "my-notes"
 * parseDocId("../etc")   // throws InvalidDocIdError
 */
export const DOC_ID_MAX_LENGTH = 64;
export const DOC_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class InvalidDocIdError extends Error {
  override name = "InvalidDocIdError";
  constructor(readonly id: string) {
    super(`Invalid document id: expected 1-${DOC_ID_MAX_LENGTH} characters of A-Z, a-z, 0-9, "_" or "-"`);
  }
}

export function isValidDocId(id: unknown): boolean {
  return typeof id === "string" && DOC_ID_PATTERN.test(id);
}

export function parseDocId(id: unknown): string {
  if (typeof id !== "string" || !DOC_ID_PATTERN.test(id)) throw new InvalidDocIdError(String(id).slice(0, DOC_ID_MAX_LENGTH + 1));
  return id;
}

const ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

/** A fresh 21-character URL-safe id (nanoid's alphabet and length) from the platform's CSPRNG. */
export function newDocId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(21));
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}
