import { docIdFromPagePath, isValidDocId } from "@collab/protocol";

/** The app's pages. There are few enough that a discriminated union beats a router library. */
export type Route =
  | { page: "documents" }
  | { page: "login"; next: string }
  | { page: "register"; next: string }
  | { page: "editor"; docId: string }
  | { page: "share"; token: string }
  | { page: "invalid-doc"; raw: string }
  | { page: "not-found"; path: string };

/** Pages a signed-out visitor is sent to `/login` from (and brought back to afterwards). */
export function requiresAccount(route: Route): boolean {
  return route.page === "documents" || route.page === "editor" || route.page === "share";
}

/**
 * The page for a location's pathname and query string.
 *
 * @example
 * routeFor("/d/my-notes")            // { page: "editor", docId: "my-notes" }
 * routeFor("/d/a%20b")               // { page: "invalid-doc", raw: "a b" }
 * routeFor("/login", "?next=/d/x")   // { page: "login", next: "/d/x" }
 */
export function routeFor(pathname: string, search = ""): Route {
  if (pathname === "/" || pathname === "") return { page: "documents" };
  if (pathname === "/login" || pathname === "/register") {
    const next = safeNext(new URLSearchParams(search).get("next"));
    return { page: pathname === "/login" ? "login" : "register", next };
  }
  const share = /^\/share\/([^/]+)\/?$/.exec(pathname);
  if (share) {
    try {
      return { page: "share", token: decodeURIComponent(share[1]!) };
    } catch {
      return { page: "not-found", path: pathname };
    }
  }
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
 * Where to go after signing in: a path on this site, never another origin. `//evil.example` and
 * `/\evil.example` are protocol-relative in browsers, so only a single `/` followed by something else passes.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/";
  return raw;
}

/** `/login?next=...` (or `/register?...`), leaving out `next` when it is the default. */
export function authPath(page: "login" | "register", next: string): string {
  const target = safeNext(next);
  return target === "/" ? `/${page}` : `/${page}?${new URLSearchParams({ next: target })}`;
}
