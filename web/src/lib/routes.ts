import { docIdFromPagePath, isValidDocId } from "@collab/protocol";

/** The app's pages. There are few enough that a discriminated union beats a router library. */
export type Route =
  | { page: "landing" }
  | { page: "editor"; docId: string }
  | { page: "invalid-doc"; raw: string }
  | { page: "not-found"; path: string };

/**
 * The page for a location's pathname.
 *
 * @example
 * routeFor("/d/my-notes") // { page: "editor", docId: "my-notes" }
 * routeFor("/d/a%20b")    // { page: "invalid-doc", raw: "a b" }
 */
export function routeFor(pathname: string): Route {
  if (pathname === "/" || pathname === "") return { page: "landing" };
  let docId: string | undefined;
  try {
    docId = docIdFromPagePath(pathname);
  } catch {
    // A malformed %-escape makes decodeURIComponent throw; it is still an editor URL with a bad id.
    return { page: "invalid-doc", raw: pathname.slice("/d/".length) };
  }
  if (docId === undefined) return { page: "not-found", path: pathname };
  return isValidDocId(docId) ? { page: "editor", docId } : { page: "invalid-doc", raw: docId };
}

/**
 * The document id a person typed or pasted into "open a document": a bare id, or a whole link to an editor
 * page (`https://host/d/my-notes`, `/d/my-notes`). Undefined when it is neither.
 */
export function docIdFromInput(input: string): string | undefined {
  const text = input.trim();
  if (isValidDocId(text)) return text;
  let pathname: string;
  try {
    pathname = new URL(text, "http://placeholder.invalid").pathname;
  } catch {
    return undefined;
  }
  const route = routeFor(pathname);
  return route.page === "editor" ? route.docId : undefined;
}
