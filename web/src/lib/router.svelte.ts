import { routeFor, type Route } from "./routes.ts";

/**
 * The current page, kept in step with the address bar: `navigate` pushes a history entry (or replaces it,
 * for redirects), and the browser's back and forward buttons (popstate) update the route.
 *
 * @example
 * const router = new Router();
 * $effect(() => router.listen());
 * router.navigate("/d/my-notes");
 */
export class Router {
  path = $state(location.pathname);
  search = $state(location.search);
  readonly route: Route = $derived(routeFor(this.path, this.search));

  /** Path and query of the current page, e.g. for `/login?next=...`. */
  get current(): string {
    return this.path + this.search;
  }

  /** Follows back/forward; returns the function that stops following (for an `$effect` cleanup). */
  listen(): () => void {
    const onPopState = () => this.#sync();
    window.addEventListener("popstate", onPopState);
    return () => window.removeEventListener("popstate", onPopState);
  }

  /** Goes to a path on this site (`/d/x`, `/login?next=/`); `replace` for redirects, so Back skips them. */
  navigate(url: string, { replace = false }: { replace?: boolean } = {}): void {
    if (url === this.current) return;
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    this.#sync();
  }

  /**
   * A click handler for in-app `<a href>` links: navigates without a page load, but leaves modified clicks
   * (new tab, new window) to the browser.
   */
  onLinkClick = (event: MouseEvent & { currentTarget: HTMLAnchorElement }): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.navigate(event.currentTarget.pathname + event.currentTarget.search);
  };

  #sync(): void {
    this.path = location.pathname;
    this.search = location.search;
  }
}
