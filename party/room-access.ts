import { roleAtLeast, type Logger, type Role, type RoomTokenClaims } from "@collab/protocol";
import type * as Party from "partykit/server";

/**
 * What the room remembers about access, in its own storage so that it survives restarts:
 * - `deleted`: the document was deleted (it is in the trash); every connection is refused until it is restored.
 * - `access:<userId>`: the role the worker last told the room this user has (`null`: none). A room token
 *   whose role is higher was issued before the change (the worker never issues more than the current role),
 *   so a removed member's unexpired token cannot reopen the door, and a downgraded editor must come back
 *   with a viewer token. Roles, not timestamps: no clock is compared across machines.
 */
export class RoomAccess {
  #storage: Party.Storage;
  readonly #log: Logger;
  #roles = new Map<string, Role | null>();
  #deleted = false;

  constructor(storage: Party.Storage, log: Logger) {
    this.#log = log;
    this.#storage = storage;
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  async load(): Promise<void> {
    this.#deleted = (await this.#storage.get<boolean>("deleted")) === true;
    for (const [key, role] of await this.#storage.list<Role | null>({ prefix: "access:" })) this.#roles.set(key.slice("access:".length), role);
  }

  /**
   * True when the token grants more than the user's role as last recorded: the holder must fetch a new
   * token, which the worker issues for the current role only. (Ended sessions: session-check.ts.)
   */
  exceedsRecordedRole(claims: RoomTokenClaims): boolean {
    if (!this.#roles.has(claims.sub)) return false;
    const role = this.#roles.get(claims.sub);
    return role === null || role === undefined || !roleAtLeast(role, claims.role);
  }

  record(userId: string, role: Role | null): void {
    this.#roles.set(userId, role);
    void this.#storage.put(`access:${userId}`, role).catch((error: unknown) => this.#log.error("room storage write failed", { error }));
  }

  /** Forgets the document's content and remembers only that it is gone. */
  async markDeleted(): Promise<void> {
    this.#deleted = true;
    await this.#storage.deleteAll();
    await this.#storage.put("deleted", true);
  }

  /** The document was restored from the trash: connections are accepted again. */
  async markRestored(): Promise<void> {
    await this.#storage.delete("deleted");
    this.#deleted = false;
  }
}
