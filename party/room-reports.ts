import { lobbyFetchFromRoom, openPresenceStore, type PresenceStore } from "@collab/presence";
import type { ActiveUser, Logger, RoomMetricsReport } from "@collab/protocol";
import type * as Party from "partykit/server";
import type { RoomConfig } from "./config.ts";
import { PresencePublisher } from "./presence-publisher.ts";
import { RoomMetrics } from "./room-metrics.ts";

export interface RoomReportsOptions {
  /** The room id, or undefined in an alarm that started the object (partykit has none to give then). */
  roomId: () => string | undefined;
  /** The room's gauges now (connections, snapshot age, document size). */
  gauges: () => RoomMetricsReport["gauges"];
  /** Storage writes since the room started (cumulative). */
  storageWrites: () => number;
  log: Logger;
}

/**
 * What a room tells the rest of the system, through one channel (Redis, or the lobby party without it): who
 * is in it (the document list's live presence) and its metrics (`GET /api/metrics`). Both are off with
 * PRESENCE=off. Made lazily: the room id, which both are keyed by, is only known once a request arrived.
 */
export class RoomReports {
  /** The room's counters; undefined when reports are off. */
  readonly metrics: RoomMetrics | undefined;
  readonly #room: Party.Room;
  readonly #config: RoomConfig;
  readonly #options: RoomReportsOptions;
  #channel: PresenceStore | undefined;
  #presence: PresencePublisher | undefined;

  constructor(room: Party.Room, config: RoomConfig, options: RoomReportsOptions) {
    this.#room = room;
    this.#config = config;
    this.#options = options;
    this.metrics = config.presenceEnabled ? this.#openMetrics() : undefined;
  }

  /** Who is in the room now (published debounced; see PresencePublisher). */
  users(users: ActiveUser[]): void {
    if (this.#config.presenceEnabled) this.#presenceFor().update(users);
  }

  /** The document was deleted: its entry goes now. Settles once the channel answered (never throws). */
  async clear(): Promise<void> {
    if (this.#config.presenceEnabled) await this.#presenceFor().clear();
  }

  #presenceFor(): PresencePublisher {
    this.#presence ??= new PresencePublisher(this.#channelFor(), this.#room.id, { ttlSeconds: this.#config.presenceTtlSeconds, log: this.#options.log });
    return this.#presence;
  }

  #channelFor(): PresenceStore {
    this.#channel ??= openPresenceStore(this.#config.presence, {
      baseUrl: "http://lobby",
      secret: this.#config.internalSecret,
      fetch: lobbyFetchFromRoom(this.#room),
    });
    return this.#channel;
  }

  #openMetrics(): RoomMetrics {
    const { log } = this.#options;
    const metrics: RoomMetrics = new RoomMetrics({
      // An object an alarm started has no room id to report under: its few counts are dropped rather than
      // retried every interval by an object nobody is in.
      send: async (report) => {
        const id = this.#options.roomId();
        if (id !== undefined) await this.#channelFor().reportMetrics(id, report, metrics.ttlSeconds);
      },
      gauges: this.#options.gauges,
      storageWrites: this.#options.storageWrites,
      intervalMs: this.#config.metricsReportMs,
      onError: (error, consecutive) => {
        if (consecutive === 1) log.warn("metrics report failed (its counts go with the next one)", { error });
        else log.debug("metrics report failed again", { error, consecutive });
      },
    });
    return metrics;
  }
}
