import type { Awareness } from "y-protocols/awareness";
import { presenceEntries, type PresenceEntry } from "./presence-entries.ts";

export type { PresenceEntry };

/**
 * Who is in the room, kept current from the awareness states every client publishes under `user`
 * (see {@link presenceEntries} for how tabs are merged and sorted).
 */
export class Presence {
  entries: PresenceEntry[] = $state.raw([]);

  readonly #awareness: Awareness;
  readonly #selfId: string;

  constructor(awareness: Awareness, selfId: string) {
    this.#awareness = awareness;
    this.#selfId = selfId;
    // `change` (not `update`) fires only when a state really changed, not on every 15 s keep-alive.
    awareness.on("change", this.#refresh);
    this.#refresh();
  }

  destroy(): void {
    this.#awareness.off("change", this.#refresh);
  }

  #refresh = (): void => {
    this.entries = presenceEntries(this.#awareness.getStates().values(), this.#selfId);
  };
}
