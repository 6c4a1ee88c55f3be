import type { UserSummary } from "@collab/protocol";
import type * as Y from "yjs";
import { versions } from "./api/index.ts";
import { blameLines, describeBlame, noteWriting, writersFrom, type BlameLine, type Writers } from "./blame-lines.ts";

export interface BlameSourceOptions {
  docId: string;
  doc: Y.Doc;
  /** The signed-in person: what this browser types is theirs. */
  self: UserSummary;
  /** Called with every line's author after each recompute. */
  onLines: (lines: readonly BlameLine[]) => void;
  /** Edits within this long are one recompute, after the last keystroke's transaction has run. */
  recomputeMs?: number;
  /** The room's records are asked for again at most this often (when a writer without one appears). */
  refetchMs?: number;
}

/** After a failed request for the records: the next try, doubling up to the cap. */
const RETRY_MS = [2_000, 30_000] as const;

/**
 * Who wrote each line, live, while the blame gutter is on (issue 11). Lines are computed in this browser
 * from its own Y.Doc and the room's writer records (`GET /api/documents/{id}/authorship` `writers`), so a
 * keystroke, ours or anyone's, costs no request: edits schedule one recompute `recomputeMs` later (a
 * keystroke's own transaction only notes which client ids wrote). This browser's own client id is the
 * signed-in person's, with the stretches it saw itself write. The records are asked for once, and again
 * (at most every `refetchMs`) only when a client id without a record writes: someone new started typing.
 * A client id the room turns out to have no record of (text older than the records) is not asked about
 * again.
 *
 * @example
 * const blame = new BlameSource({ docId, doc, self, onLines: (lines) => view.dispatch({ effects: setBlame.of(lines) }) });
 * blame.lines[0]; // { user: ada, at: 1767000000000 }
 * blame.destroy();
 */
export class BlameSource {
  /** Every line's author as last computed (the status bar names the caret's). */
  lines: readonly BlameLine[] = $state.raw([]);
  /** How long the last recompute took, in milliseconds (for the figures in the browser tests). */
  computeMs = 0;

  readonly #options: Required<BlameSourceOptions>;
  #writers: Writers = { records: new Map(), users: new Map() };
  readonly #ownStretches: [number, number][] = [];
  readonly #since = Date.now();
  /** Client ids seen writing with no record yet: the next request asks about them. */
  readonly #unknown = new Set<number>();
  /**
   * Client ids the request in flight asks about. The room records a writer before it relays the writing, so
   * the answer names them: their next keystrokes, arriving meanwhile, need no request of their own.
   */
  #asking = new Set<number>();
  /** Client ids a request came back without: older text, never asked about again. */
  readonly #unrecorded = new Set<number>();
  readonly #controller = new AbortController();
  #computeTimer: ReturnType<typeof setTimeout> | undefined;
  #fetchTimer: ReturnType<typeof setTimeout> | undefined;
  #fetching = false;
  #lastFetch = -Infinity;
  #failures = 0;

  constructor(options: BlameSourceOptions) {
    this.#options = { recomputeMs: 150, refetchMs: 2_000, ...options };
    options.doc.on("afterTransaction", this.#onTransaction);
    // Our own lines show at once; everyone else's when the records arrive.
    this.#compute();
    void this.#fetch();
  }

  /** "Ada Lovelace, 3 minutes ago" for line `number` (1-based), or undefined past the last computed line. */
  describeLine(number: number, now = Date.now()): string | undefined {
    const line = this.lines[number - 1];
    return line && describeBlame(line, now);
  }

  destroy(): void {
    this.#options.doc.off("afterTransaction", this.#onTransaction);
    this.#controller.abort();
    clearTimeout(this.#computeTimer);
    clearTimeout(this.#fetchTimer);
  }

  #onTransaction = (transaction: Y.Transaction): void => {
    const own = this.#options.doc.clientID;
    for (const [client, clock] of transaction.afterState) {
      const before = transaction.beforeState.get(client) ?? 0;
      if (clock <= before) continue;
      if (client === own && transaction.local) noteWriting(this.#ownStretches, before, Date.now());
      else if (client !== own && !this.#writers.records.has(client) && !this.#unrecorded.has(client) && !this.#asking.has(client)) this.#unknown.add(client);
    }
    if (this.#unknown.size > 0) this.#scheduleFetch(this.#options.refetchMs);
    if (transaction.changed.size > 0) this.#scheduleCompute();
  };

  #scheduleCompute(): void {
    // Not reset by later edits: someone typing without a pause still sees the gutter follow.
    this.#computeTimer ??= setTimeout(() => {
      this.#computeTimer = undefined;
      this.#compute();
    }, this.#options.recomputeMs);
  }

  #compute(): void {
    if (this.#controller.signal.aborted) return;
    const started = performance.now();
    const { doc, self, onLines } = this.#options;
    this.lines = blameLines(doc, this.#writers, { clientId: doc.clientID, user: self, stretches: this.#ownStretches, since: this.#since });
    this.computeMs = performance.now() - started;
    onLines(this.lines);
  }

  #scheduleFetch(spacingMs: number): void {
    if (this.#fetching || this.#fetchTimer || this.#controller.signal.aborted) return;
    const wait = Math.max(0, this.#lastFetch + spacingMs - performance.now());
    this.#fetchTimer = setTimeout(() => {
      this.#fetchTimer = undefined;
      void this.#fetch();
    }, wait);
  }

  async #fetch(): Promise<void> {
    this.#fetching = true;
    this.#lastFetch = performance.now();
    const asking = (this.#asking = new Set(this.#unknown));
    this.#unknown.clear();
    try {
      const { writers } = await versions.authorship(this.#options.docId, this.#controller.signal);
      this.#writers = writersFrom(writers);
      for (const client of asking) if (!this.#writers.records.has(client)) this.#unrecorded.add(client);
      this.#failures = 0;
      this.#fetching = false;
      this.#asking = new Set();
      this.#compute();
      // Someone new wrote while we were asking.
      if (this.#unknown.size > 0) this.#scheduleFetch(this.#options.refetchMs);
    } catch (error) {
      this.#fetching = false;
      this.#asking = new Set();
      if (this.#controller.signal.aborted) return;
      // Offline, or the room is restarting: our own lines still show; everyone's come with a later try.
      console.warn("Could not load who wrote what", error);
      for (const client of asking) this.#unknown.add(client);
      this.#failures++;
      this.#fetchTimer = setTimeout(() => {
        this.#fetchTimer = undefined;
        void this.#fetch();
      }, Math.min(RETRY_MS[0] * 2 ** (this.#failures - 1), RETRY_MS[1]));
    }
  }
}
