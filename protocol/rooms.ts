import { parseDocId } from "./doc-id.ts";

/**
 * Every document is one room of the `main` party. The path is PartyKit's fixed layout
 * `/parties/:party/:room`; the web app reaches it on its own origin (Vite proxies `/parties`).
 */
export const PARTY_NAME = "main";
export const ROOM_PATH_PREFIX = `/parties/${PARTY_NAME}/`;

/** `/parties/main/:docId` for a valid id. */
export function roomPath(docId: string): string {
  return ROOM_PATH_PREFIX + parseDocId(docId);
}

/** The editor page of a document, e.g. `/d/my-notes`. */
export function documentPagePath(docId: string): string {
  return `/d/${parseDocId(docId)}`;
}

/** The document id of an editor page path, or undefined when the path is not one. */
export function docIdFromPagePath(pathname: string): string | undefined {
  const match = /^\/d\/([^/]+)\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1]!) : undefined;
}
