import { User, type LoginRequest, type PresenceUser, type RegisterRequest } from "@collab/protocol";
import { ApiError, auth, messageOf } from "./api/index.ts";
import { deleteLocalCopies } from "./local-copy.ts";
import { presenceUserFor } from "./presence-user.ts";

/**
 * The signed-in account, remembered in localStorage so that a page opened with no network (the service
 * worker serves the app) can still open that account's local copies. Removed on logout and on a 401.
 */
const REMEMBERED_USER = "collab:user";

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
  /**
   * Signed in as the remembered account because `/api/auth/me` could not be reached (offline): local
   * copies open; the server is asked again when the browser comes back online.
   */
  offline = $state(false);

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
      const remembered = rememberedUser();
      if (remembered && error instanceof ApiError && error.status === 0) {
        // No answer at all (no network): work from this browser's local copies, and check once it is back.
        this.#signedIn(remembered);
        this.offline = true;
        window.addEventListener("online", () => void this.load(), { once: true });
        return;
      }
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
    // Signing out means this browser keeps nothing of the account's documents.
    const user = this.user;
    this.signedOut();
    if (user) await deleteLocalCopies(user.id);
  }

  /** The session is gone (a 401 from anywhere): the app sends the person to /login and back afterwards. */
  signedOut(): void {
    this.user = undefined;
    this.status = "signed-out";
    this.offline = false;
    // The local copies stay (a session that merely expired keeps unsent edits for the next sign-in); the
    // account is no longer remembered, so nothing opens them until that person signs in again.
    localStorage.removeItem(REMEMBERED_USER);
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
    this.offline = false;
    localStorage.setItem(REMEMBERED_USER, JSON.stringify(user));
  }
}

function rememberedUser(): User | undefined {
  try {
    const parsed = User.safeParse(JSON.parse(localStorage.getItem(REMEMBERED_USER) ?? "null"));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
