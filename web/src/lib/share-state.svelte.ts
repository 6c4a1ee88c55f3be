import type { GrantableRole, Member, ShareLink } from "@collab/protocol";
import { members, shareLinks } from "./api/index.ts";

/**
 * One document's sharing: its members (the owner included) and, for the owner, its share links. Every
 * action updates the lists from the worker's answer rather than guessing, and keeps its error for the part
 * of the dialog it belongs to, so a failed invite does not hide the member list.
 *
 * @example
 * const share = new ShareState("my-notes", true, session.handle);
 * await share.load();
 * await share.invite("bob", "viewer");
 */
export class ShareState {
  members = $state.raw<Member[]>([]);
  links = $state.raw<ShareLink[]>([]);
  loading = $state(true);
  /** Loading the lists failed. */
  loadError = $state<string | undefined>();
  inviteError = $state<string | undefined>();
  inviting = $state(false);
  /** A role change or removal failed. */
  memberError = $state<string | undefined>();
  linkError = $state<string | undefined>();
  creatingLink = $state(false);

  readonly #describe: (error: unknown) => string;

  constructor(
    readonly docId: string,
    /** The owner manages; everyone else sees the member list only. */
    readonly canManage: boolean,
    describe: (error: unknown) => string,
  ) {
    this.#describe = describe;
  }

  async load(): Promise<void> {
    this.loading = true;
    this.loadError = undefined;
    try {
      const [memberList, linkList] = await Promise.all([
        members.list(this.docId),
        this.canManage ? shareLinks.list(this.docId) : Promise.resolve([]),
      ]);
      this.members = memberList;
      this.links = linkList;
    } catch (error) {
      this.loadError = this.#describe(error);
    } finally {
      this.loading = false;
    }
  }

  /** Resolves true when the person was added (so the form can clear its input). */
  async invite(user: string, role: GrantableRole): Promise<boolean> {
    this.inviting = true;
    this.inviteError = undefined;
    try {
      const member = await members.invite(this.docId, { user, role });
      this.members = [...this.members.filter((m) => m.user.id !== member.user.id), member];
      return true;
    } catch (error) {
      this.inviteError = this.#describe(error);
      return false;
    } finally {
      this.inviting = false;
    }
  }

  /** Resolves false when the worker refused (the caller puts its select back). */
  async setRole(userId: string, role: GrantableRole): Promise<boolean> {
    this.memberError = undefined;
    try {
      const updated = await members.update(this.docId, userId, { role });
      this.members = this.members.map((m) => (m.user.id === userId ? updated : m));
      return true;
    } catch (error) {
      this.memberError = this.#describe(error);
      return false;
    }
  }

  async removeMember(userId: string): Promise<void> {
    this.memberError = undefined;
    try {
      await members.remove(this.docId, userId);
      this.members = this.members.filter((m) => m.user.id !== userId);
    } catch (error) {
      this.memberError = this.#describe(error);
    }
  }

  async createLink(role: GrantableRole, expiresInHours: number | undefined): Promise<ShareLink | undefined> {
    this.creatingLink = true;
    this.linkError = undefined;
    try {
      const link = await shareLinks.create(this.docId, { role, expiresInHours });
      this.links = [link, ...this.links];
      return link;
    } catch (error) {
      this.linkError = this.#describe(error);
      return undefined;
    } finally {
      this.creatingLink = false;
    }
  }

  async revokeLink(linkId: string): Promise<void> {
    this.linkError = undefined;
    try {
      await shareLinks.revoke(this.docId, linkId);
      this.links = this.links.filter((link) => link.id !== linkId);
    } catch (error) {
      this.linkError = this.#describe(error);
    }
  }
}
