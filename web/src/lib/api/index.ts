export { ApiError, ClientErrorCode, messageOf, type FieldErrors } from "./errors.ts";
export { auth, documents, members, presence, shareLinks, versions, type DocumentFilter, type DocumentSort } from "./endpoints.ts";
