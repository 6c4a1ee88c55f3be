import type { Awareness } from "y-protocols/awareness";
import { JoinLeaveTracker } from "./presence-changes.ts";
import { presenceEntries, type PresenceEntry } from "./presence-entries.ts";
import { PresenceNotices } from "./presence-notices.svelte.ts";

export type { PresenceEntry };

/** What presence needs of the room's provider: its awareness, and when it has synced or dropped. */
export interface PresenceSource {
  awareness: Awareness;
  /** True once the room has answered our sync; false again when the socket closes. */
  readonly synced: boolean;
  on(event: "synced", listener: (synced: boolean) => void): void;
  off(event: "synced", listener: (synced: boolean) => void): void;
}

/**
 * Who is in the room, kept current from the awareness states every client publishes under `user`
 * (see {@link presenceEntries} for how tabs are merged and sorted), plus brief "Ada joined" / "Ada left"
 * notices (see {@link JoinLeaveTracker} for what counts as news).
 *
 * The room sends everyone's awareness right after its first sync message, so by the time the provider says
 * `synced` the people already present are in `entries`: that is the baseline. When the socket closes the
 * provider clears `synced` before it removes the peers' states, so our own drop announces nobody leaving.
 */
export class Presence {
  entries: PresenceEntry[] = $state.raw([]);
  readonly notices = new PresenceNotices();

  readonly #source: PresenceSource;
  readonly #selfId: string;
  readonly #tracker = new JoinLeaveTracker();

  constructor(source: PresenceSource, selfId: string) {
    this.#source = source;
    this.#selfId = selfId;
    // `change` (not `update`) fires only when a state really changed, not on every 15 s keep-alive.
    source.awareness.on("change", this.#refresh);
    source.on("synced", this.#onSynced);
    this.#refresh();
    if (source.synced) this.#tracker.start(this.entries);
  }

  destroy(): void {
    this.#source.awareness.off("change", this.#refresh);
    this.#source.off("synced", this.#onSynced);
    this.notices.destroy();
  }

  #refresh = (): void => {
    this.entries = presenceEntries(this.#source.awareness.getStates().values(), this.#selfId);
    this.notices.add(this.#tracker.next(this.entries));
  };

  #onSynced = (synced: boolean): void => {
    if (synced) this.#tracker.start(this.entries);
    else this.#tracker.stop();
  };
}
