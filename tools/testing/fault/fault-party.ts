import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDatabaseUrl } from "../../db/database-url.ts";
import { startWsProxy, type WsProxy } from "../../db/ws-proxy.ts";
import { startParty } from "../../stack/servers.ts";
import { freePort, type Service } from "../../stack/service.ts";

/**
 * A party of the harness's own on the stack's database (the shared party keeps serving other suites), that
 * the harness can SIGKILL and restart on the same room storage, and whose path to Postgres (a WebSocket
 * proxy of its own) it can cut and restore. The worker keeps its own path to the database, so tokens and
 * the REST view of snapshots keep working through an outage.
 */
export class FaultParty {
  readonly #options: FaultPartyOptions;
  readonly #persistDir = mkdtempSync(join(tmpdir(), "collab-fault-"));
  #proxyPort = 0;
  #proxy: WsProxy | undefined;
  #party: Service | undefined;
  #url = "";
  kills = 0;
  outages = 0;

  private constructor(options: FaultPartyOptions) {
    this.#options = options;
  }

  static async start(options: FaultPartyOptions): Promise<FaultParty> {
    const party = new FaultParty(options);
    party.#proxyPort = await freePort();
    await party.databaseUp();
    await party.#launch();
    return party;
  }

  /** http://127.0.0.1:PORT of the running party (the port changes on every restart). */
  get url(): string {
    return this.#url;
  }

  get databaseIsUp(): boolean {
    return this.#proxy !== undefined;
  }

  /** SIGKILL, as a crash: nothing gets to flush. */
  async kill(): Promise<void> {
    this.kills++;
    await this.#party?.kill();
    this.#party = undefined;
  }

  /** Starts the party again on the same room storage. */
  async restart(): Promise<void> {
    await this.#party?.kill();
    await this.#launch();
  }

  async databaseDown(): Promise<void> {
    if (!this.#proxy) return;
    this.outages++;
    const proxy = this.#proxy;
    this.#proxy = undefined;
    await proxy.stop();
  }

  async databaseUp(): Promise<void> {
    this.#proxy ??= await startWsProxy({ port: this.#proxyPort, target: parseDatabaseUrl(this.#options.databaseUrl), onError: () => {} });
  }

  async stop(): Promise<void> {
    await this.#party?.stop();
    await this.#proxy?.stop();
    rmSync(this.#persistDir, { recursive: true, force: true });
  }

  /**
   * Starts the party, and again if its runtime does not come up: after a SIGKILL, partykit dev once in a
   * while listens but never starts workerd, and every later session of a long run failed on it.
   */
  async #launch(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        this.#party = await startParty({
          databaseUrl: this.#options.databaseUrl,
          wsProxy: `127.0.0.1:${this.#proxyPort}`,
          roomTokenSecret: this.#options.roomTokenSecret,
          internalSecret: this.#options.internalSecret,
          port,
          persistDir: this.#persistDir,
          vars: this.#options.vars ?? {},
          quiet: this.#options.quiet,
          readyTimeoutMs: 30_000,
        });
        this.#url = `http://127.0.0.1:${port}`;
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  }
}

export interface FaultPartyOptions {
  databaseUrl: string;
  roomTokenSecret: string;
  internalSecret: string;
  vars?: Record<string, string>;
  quiet?: boolean;
}
