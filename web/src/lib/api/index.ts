export { ApiError, ClientErrorCode, messageOf, type FieldErrors } from "./errors.ts";
export { auth, documents, members, shareLinks, type DocumentFilter } from "./endpoints.ts";
