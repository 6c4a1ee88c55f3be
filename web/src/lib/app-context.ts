import { getContext, setContext } from "svelte";
import type { Router } from "./router.svelte.ts";
import type { Session } from "./session.svelte.ts";

/*
 * The app's two singletons, the session and the router, reach every component through Svelte context
 * instead of being passed down as props. `App.svelte` sets both once; any component below reads them.
 *
 * @example
 * // in a component's <script>
 * const session = getSession();
 * const router = getRouter();
 */

const SESSION = Symbol("session");
const ROUTER = Symbol("router");

export function setSession(session: Session): Session {
  return setContext(SESSION, session);
}

export function getSession(): Session {
  return required(getContext<Session | undefined>(SESSION), "session");
}

export function setRouter(router: Router): Router {
  return setContext(ROUTER, router);
}

export function getRouter(): Router {
  return required(getContext<Router | undefined>(ROUTER), "router");
}

function required<T>(value: T | undefined, name: string): T {
  // A component rendered outside App (a test mount, a stray entry point) fails here, not on first use.
  if (value === undefined) throw new Error(`no ${name} in context: render this component inside App.svelte`);
  return value;
}
