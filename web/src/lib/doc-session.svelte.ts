import { DocRoot, roleAtLeast, type PresenceUser, type Role, type RoomTokenResponse } from "@collab/protocol";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { ApiError, documents } from "./api/index.ts";
import { roomTokenParams } from "./connect-params.ts";
import { Connection, type ConnectionOptions } from "./connection.svelte.ts";
import { DocLanguage } from "./doc-language.svelte.ts";
import { Presence } from "./presence.svelte.ts";

export interface DocSessionOptions {
  /** Who we are in the room (from the account); also the presence list's "you". */
  user: PresenceUser;
  /** The account session ended while (re)connecting: the app sends the person to sign in. */
  onUnauthorized?: () => void;
  /** Overrides for tests; `params` defaults to a fresh room token per attempt. */
  connection?: ConnectionOptions;
}

/**
 * Everything one open document needs, created together and destroyed together: the Y.Doc, its room
 * connection, the undo manager, the live language setting, the presence list (and its join/leave notices)
 * and the caller's role.
 *
 * The role is what the latest room token says. Until the first token arrives it is unknown and the editor
 * stays read-only: an edit typed before the room has said whether we may write could be dropped by it.
 *
 * @example
 * const session = new DocSession("my-notes", { user: presenceUserFor(user), onUnauthorized: () => ... });
 * session.publishUser(session.user);
 * // ... later
 * session.destroy();
 */
export class DocSession {
  readonly doc = new Y.Doc();
  readonly text: Y.Text;
  /** Tracks only this client's edits (yCollab registers its own origin), so undo never reverts a peer's. */
  readonly undoManager: Y.UndoManager;
  readonly connection: Connection;
  readonly language: DocLanguage;
  readonly presence: Presence;
  /** From the latest room token; undefined until the first one. */
  role = $state<Role | undefined>();
  /** Set when the role changed on a reconnect (a 4409), e.g. "Your role changed to viewer". */
  roleNotice = $state<string | undefined>();
  readonly canEdit: boolean = $derived(this.role !== undefined && roleAtLeast(this.role, "editor"));
  /** The document's title from the API; undefined until it arrives (or if it cannot). */
  title = $state<string | undefined>();

  readonly #controller = new AbortController();

  constructor(
    readonly docId: string,
    options: DocSessionOptions,
  ) {
    this.text = this.doc.getText(DocRoot.content);
    this.undoManager = new Y.UndoManager(this.text);
    this.connection = new Connection(docId, this.doc, {
      params: roomTokenParams(docId, { onToken: this.#onToken, onUnauthorized: options.onUnauthorized }),
      ...options.connection,
    });
    this.language = new DocLanguage(this.doc);
    this.presence = new Presence(this.connection.provider, options.user.id);
    this.publishUser(options.user);
    void this.#loadTitle(options.onUnauthorized);
  }

  get awareness(): Awareness {
    return this.connection.provider.awareness;
  }

  /** Publishes (or, with undefined, withdraws) who we are; peers see the change at once. */
  publishUser(user: PresenceUser | undefined): void {
    this.awareness.setLocalStateField("user", user ?? null);
  }

  dismissRoleNotice(): void {
    this.roleNotice = undefined;
  }

  destroy(): void {
    this.#controller.abort();
    this.presence.destroy();
    this.language.destroy();
    this.connection.destroy();
    this.undoManager.destroy();
    this.doc.destroy();
  }

  async #loadTitle(onUnauthorized: (() => void) | undefined): Promise<void> {
    try {
      this.title = (await documents.get(this.docId, this.#controller.signal)).title;
    } catch (error) {
      if (this.#controller.signal.aborted) return;
      if (error instanceof ApiError && error.isUnauthorized) onUnauthorized?.();
      // 403 and 404 reach the page through the room token, with the right message; a title is not worth more.
      else if (!(error instanceof ApiError && (error.status === 403 || error.status === 404))) console.warn("Could not load the title", error);
    }
  }

  #onToken = (token: RoomTokenResponse): void => {
    if (this.role !== undefined && this.role !== token.role) this.roleNotice = `Your role changed to ${token.role}.`;
    this.role = token.role;
  };
}
