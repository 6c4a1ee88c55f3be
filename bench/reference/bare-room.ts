import type * as Party from "partykit/server";
import { onConnect } from "y-partykit";

/**
 * The platform baseline: y-partykit as its README sets it up, persisting every update to room storage as it
 * arrives (one storage write per message) and compacting when the last client leaves. Nothing else: no
 * frame checks, no group commit, no Postgres. Our room's overhead and gains show as ratios to this.
 */
export default class BareRoom implements Party.Server {
  constructor(readonly room: Party.Room) {}

  onConnect(connection: Party.Connection): Promise<void> {
    return onConnect(connection, this.room, { persist: { mode: "snapshot" } });
  }
}
