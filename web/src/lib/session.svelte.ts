import type { LoginRequest, PresenceUser, RegisterRequest, User } from "@collab/protocol";
import { ApiError, auth, messageOf } from "./api/index.ts";
import { presenceUserFor } from "./presence-user.ts";

/** `loading` until `/api/auth/me` answers; `unavailable` when it could not (then `error` says why). */
export type SessionStatus = "loading" | "signed-in" | "signed-out" | "unavailable";

/**
 * Who is signed in. The session itself is an HttpOnly cookie the page cannot read, so the truth is what
 * `/api/auth/me` says: asked once at start, then updated by login, register, logout, and by any request
 * that comes back 401 (the session expired or was revoked elsewhere) through {@link Session.handle}.
 *
 * @example
 * const session = new Session();
 * void session.load();
 * await session.login({ login: "ada", password: "correct horse battery" });
 */
export class Session {
  status = $state<SessionStatus>("loading");
  user = $state.raw<User | undefined>();
  /** Why the session could not be checked (status `unavailable`). */
  error = $state<string | undefined>();

  /** What this person publishes in a room's awareness: their account's id, display name and colour. */
  readonly presenceUser: PresenceUser | undefined = $derived(this.user && presenceUserFor(this.user));

  async load(): Promise<void> {
    this.status = "loading";
    this.error = undefined;
    try {
      this.#signedIn(await auth.me());
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return this.signedOut();
      // Offline or the worker is down: not the same as signed out, so do not send them to /login.
      this.error = messageOf(error);
      this.status = "unavailable";
    }
  }

  /** Rejects with an {@link ApiError} (wrong credentials, rate limit, ...) for the form to show. */
  async login(input: LoginRequest): Promise<void> {
    this.#signedIn(await auth.login(input));
  }

  async register(input: RegisterRequest): Promise<void> {
    this.#signedIn(await auth.register(input));
  }

  async logout(): Promise<void> {
    try {
      await auth.logout();
    } catch (error) {
      // The cookie may survive a failed logout; say so rather than pretend.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    this.signedOut();
  }

  /** The session is gone (a 401 from anywhere): the app sends the person to /login and back afterwards. */
  signedOut(): void {
    this.user = undefined;
    this.status = "signed-out";
  }

  /**
   * The one place a page's failed request goes: a lost session signs out, and every error becomes a message
   * to show.
   */
  handle = (error: unknown): string => {
    if (error instanceof ApiError && error.isUnauthorized) this.signedOut();
    return messageOf(error);
  };

  #signedIn(user: User): void {
    this.user = user;
    this.status = "signed-in";
    this.error = undefined;
  }
}
