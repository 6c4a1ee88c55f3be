import { DocRoot, type PresenceUser } from "@collab/protocol";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { Connection, type ConnectionOptions } from "./connection.svelte.ts";
import { DocLanguage } from "./doc-language.svelte.ts";
import { Presence } from "./presence.svelte.ts";

/**
 * Everything one open document needs, created together and destroyed together: the Y.Doc, its room
 * connection, the undo manager, the live language setting and the presence list.
 *
 * @example
 * const session = new DocSession("my-notes", identity.id);
 * session.publishUser(identity.user);
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

  constructor(
    readonly docId: string,
    selfId: string,
    options?: ConnectionOptions,
  ) {
    this.text = this.doc.getText(DocRoot.content);
    this.undoManager = new Y.UndoManager(this.text);
    this.connection = new Connection(docId, this.doc, options);
    this.language = new DocLanguage(this.doc);
    this.presence = new Presence(this.awareness, selfId);
  }

  get awareness(): Awareness {
    return this.connection.provider.awareness;
  }

  /** Publishes (or, with undefined, withdraws) who we are; peers see the change at once. */
  publishUser(user: PresenceUser | undefined): void {
    this.awareness.setLocalStateField("user", user ?? null);
  }

  destroy(): void {
    this.presence.destroy();
    this.language.destroy();
    this.connection.destroy();
    this.undoManager.destroy();
    this.doc.destroy();
  }
}
