import { routeFor, type Route } from "./routes.ts";

/**
 * The current page, kept in step with the address bar: `navigate` pushes a history entry, and the browser's
 * back and forward buttons (popstate) update the route.
 *
 * @example
 * const router = new Router();
 * $effect(() => router.listen());
 * router.navigate("/d/my-notes");
 */
export class Router {
  path = $state(location.pathname);
  readonly route: Route = $derived(routeFor(this.path));

  /** Follows back/forward; returns the function that stops following (for an `$effect` cleanup). */
  listen(): () => void {
    const onPopState = () => {
      this.path = location.pathname;
    };
    window.addEventListener("popstate", onPopState);
    return () => window.removeEventListener("popstate", onPopState);
  }

  navigate(path: string): void {
    if (path === location.pathname) return;
    history.pushState(null, "", path);
    this.path = location.pathname;
  }

  /**
   * A click handler for in-app `<a href>` links: navigates without a page load, but leaves modified clicks
   * (new tab, new window) to the browser.
   */
  onLinkClick = (event: MouseEvent & { currentTarget: HTMLAnchorElement }): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.navigate(event.currentTarget.pathname);
  };
}
