import { CloseCode, DocRoot, roleAtLeast, type PresenceUser, type Role, type RoomTokenResponse } from "@collab/protocol";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { ApiError, documents } from "./api/index.ts";
import { roomTokenParams } from "./connect-params.ts";
import { Connection, type ConnectionOptions } from "./connection.svelte.ts";
import { holdDevReloads } from "./dev-reload-guard.ts";
import { DocLanguage } from "./doc-language.svelte.ts";
import { DocTitle } from "./doc-title.svelte.ts";
import { LocalCopy } from "./local-copy.ts";
import { Presence } from "./presence.svelte.ts";
import { SyncTracker } from "./sync-tracker.svelte.ts";

export interface DocSessionOptions {
  /** Who we are in the room (from the account); also the presence list's "you". */
  user: PresenceUser;
  /** The account session ended while (re)connecting: the app sends the person to sign in. */
  onUnauthorized?: () => void;
  /** Overrides for tests; `params` defaults to a fresh room token per attempt. */
  connection?: ConnectionOptions;
  /** A probe the room leaves unanswered this long turns the status offline (SyncTracker). */
  livenessMs?: number;
}

/**
 * Everything one open document needs, created together and destroyed together: the Y.Doc, its room
 * connection, the undo manager, the live language setting, the presence list (and its join/leave notices)
 * and the caller's role.
 *
 * The role is what the latest room token says, or, until one arrives, what the last one said (kept in the
 * local copy, so a document opened offline is writable). A document never opened before has no role
 * until the first token, and the editor stays read-only: an edit the room would drop must not be typed.
 *
 * The document opens from its local copy (IndexedDB) when that copy has synced with the room before, so
 * the editor is there before the network answers; otherwise `ready` waits for the room's first sync, so a
 * document is never shown empty because it has not arrived yet. Losing access (4403, or 403/404 on the
 * token request, or the document deleted) erases the local copy.
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
  readonly #liveTitle = new DocTitle(this.doc);
  #apiTitle = $state<string | undefined>();
  /** From the latest room token; undefined until the first one. */
  role = $state<Role | undefined>();
  /** Set when the role changed on a reconnect (a 4409), e.g. "Your role changed to viewer". */
  roleNotice = $state<string | undefined>();
  readonly canEdit: boolean = $derived(this.role !== undefined && roleAtLeast(this.role, "editor"));
  /**
   * The document's title: the room's (a rename reaches everyone at once), else the API's; undefined until
   * one arrives.
   */
  readonly title: string | undefined = $derived(this.#liveTitle.live ?? this.#apiTitle);
  /** The text can be shown: from a local copy that synced before, or after the room's first sync. */
  ready = $state(false);
  /** Why an edit was refused before it was applied (too large for the room); cleared by the banner. */
  editRefused = $state<string | undefined>();
  readonly localCopy: LocalCopy;
  /** The local copy opened (IndexedDB works here): unsynced changes survive a reload. */
  localAvailable = $state(false);
  /** True while a change may not be committed to the local copy yet (a few milliseconds after each). */
  localWriting = $state(false);
  /** This person's changes the room has not acknowledged, and whether the room still answers. */
  readonly sync: SyncTracker;

  readonly #controller = new AbortController();
  readonly #releaseDevReloads: () => void;

  constructor(
    readonly docId: string,
    options: DocSessionOptions,
  ) {
    this.text = this.doc.getText(DocRoot.content);
    this.undoManager = new Y.UndoManager(this.text);
    this.localCopy = new LocalCopy(options.user.id, docId, this.doc, (writing) => (this.localWriting = writing));
    this.connection = new Connection(docId, this.doc, {
      params: roomTokenParams(docId, { onToken: this.#onToken, onUnauthorized: options.onUnauthorized }),
      onFailure: this.#onFailure,
      ...options.connection,
    });
    const provider = this.connection.provider;
    this.sync = new SyncTracker(this.doc, provider, {
      isRemote: (origin) => origin === provider || this.localCopy.isOrigin(origin),
      livenessMs: options.livenessMs,
      onUnsyncedChange: (unsynced) => this.localCopy.remember({ unsynced }),
      onSilent: () => this.connection.roomSilent(),
    });
    provider.on("synced", this.#onSynced);
    this.language = new DocLanguage(this.doc);
    this.presence = new Presence(provider, options.user.id);
    this.publishUser(options.user);
    window.addEventListener("beforeunload", this.#onBeforeUnload);
    this.#releaseDevReloads = holdDevReloads(() => this.sync.unsynced);
    void this.#openLocalCopy();
    void this.#loadTitle(options.onUnauthorized);
  }

  /** Shown when a paste or drop was refused before it was applied; see size-guard.ts. */
  refuseEdit = (message: string): void => {
    this.editRefused = message;
  };

  get awareness(): Awareness {
    return this.connection.provider.awareness;
  }

  /** Publishes (or, with undefined, withdraws) who we are; peers see the change at once. */
  publishUser(user: PresenceUser | undefined): void {
    this.awareness.setLocalStateField("user", user ?? null);
  }

  /**
   * Renames the document through the API (which checks the title, stores it, and has the room announce it
   * to everyone here). Throws the API's error; the caller shows it.
   */
  async rename(title: string): Promise<void> {
    const updated = await documents.update(this.docId, { title });
    this.#apiTitle = updated.title;
  }

  /** The text as it is in this editor right now, not the last snapshot the server saved. */
  liveText(): string {
    return this.text.toString();
  }

  dismissRoleNotice(): void {
    this.roleNotice = undefined;
  }

  destroy(): void {
    this.#controller.abort();
    window.removeEventListener("beforeunload", this.#onBeforeUnload);
    this.#releaseDevReloads();
    this.connection.provider.off("synced", this.#onSynced);
    this.sync.destroy();
    this.presence.destroy();
    this.language.destroy();
    this.#liveTitle.destroy();
    this.connection.destroy();
    this.undoManager.destroy();
    // After the connection, before the doc: the local copy writes nothing of a destroyed doc.
    void this.localCopy.destroy();
    this.doc.destroy();
  }

  async #openLocalCopy(): Promise<void> {
    performance.mark("collab:doc-open");
    const copy = await this.localCopy.loaded;
    if (this.#controller.signal.aborted) return;
    this.localAvailable = copy.available;
    this.role ??= copy.role;
    if (copy.unsynced > 0) this.sync.restore(copy.unsynced);
    if (copy.roomSynced) this.ready = true;
  }

  #onSynced = (synced: boolean): void => {
    if (!synced) return;
    this.ready = true;
    this.localCopy.remember({ roomSynced: true });
  };

  #onFailure = (code: number): void => {
    // Access ended, or the document is gone: its text must not stay in this browser.
    if (code === CloseCode.Forbidden || code === CloseCode.DocumentDeleted) {
      this.localAvailable = false;
      void this.localCopy.erase();
    }
  };

  /**
   * Warn before leaving only when leaving would lose something: changes the room has not acknowledged that
   * no local copy holds (IndexedDB unavailable). With a local copy they are sent on the next visit.
   */
  #onBeforeUnload = (event: BeforeUnloadEvent): void => {
    // Unsynced changes are safe in the local copy once IndexedDB committed them (a few milliseconds).
    if (this.sync.unsynced === 0 || (this.localCopy.available && !this.localCopy.writing)) return;
    event.preventDefault();
    event.returnValue = "";
  };

  async #loadTitle(onUnauthorized: (() => void) | undefined): Promise<void> {
    try {
      this.#apiTitle = (await documents.get(this.docId, this.#controller.signal)).title;
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
    this.localCopy.remember({ role: token.role });
  };
}
