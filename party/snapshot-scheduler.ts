/**
 * Decides when a room writes its document to Postgres: `debounceMs` after the last edit, but at least every
 * `maxWaitMs` while edits keep coming, and at once on {@link SnapshotScheduler.flush} (last client left).
 * A failed save keeps the document dirty and is retried with exponential backoff; nothing is dropped.
 * One save runs at a time; edits made during a save mark the document dirty again.
 */
/** What rooms pass as `jitter`: up to a quarter of a maximum wait or a retry delay is cut at random. */
export const SAVE_JITTER = 0.25;

export interface SnapshotSchedulerOptions {
  save: () => Promise<void>;
  debounceMs: number;
  maxWaitMs: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Called after each failure with the delay before the next try (for logs and alarms). */
  onError?: (error: unknown, retryInMs: number) => void;
  /**
   * Shortens each maximum wait and each retry delay by a random part of up to this fraction (default 0).
   * Rooms that started together (a deploy, a restart, a benchmark) would otherwise all save at once every
   * `maxWaitMs`, and after a database outage all retry in the same instant.
   */
  jitter?: number;
  random?: () => number;
}

export class SnapshotScheduler {
  #options: Required<Omit<SnapshotSchedulerOptions, "onError">> & Pick<SnapshotSchedulerOptions, "onError">;
  #dirty = false;
  #firstDirtyAt = 0;
  /** This dirty period's maximum wait (`maxWaitMs`, less its jitter). */
  #maxWaitMs = 0;
  #lastEditAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> | undefined;
  #failures = 0;
  #disposed = false;

  constructor(options: SnapshotSchedulerOptions) {
    this.#options = { retryInitialMs: 500, retryMaxMs: 30_000, jitter: 0, random: Math.random, ...options };
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  get failures(): number {
    return this.#failures;
  }

  /**
   * An edit happened: schedule a save. Called on every update, on the typing path, so it only notes the
   * time: an armed timer finds the later due time when it fires and waits on (re-arming a timer on every
   * keystroke cost two timer calls per update). While retrying after a failure, the backoff timer is kept.
   */
  markDirty(): void {
    if (this.#disposed) return;
    const now = Date.now();
    this.#lastEditAt = now;
    if (!this.#dirty) {
      this.#dirty = true;
      this.#firstDirtyAt = now;
      this.#maxWaitMs = this.#jittered(this.#options.maxWaitMs);
    }
    if (!this.#timer) this.#scheduleDue();
  }

  /**
   * Saves now if anything is unsaved and resolves once the document is saved or one attempt has failed
   * (failures keep retrying in the background).
   */
  async flush(): Promise<void> {
    if (this.#saving) await this.#saving.catch(() => {});
    // Disposed (the document was deleted): a save now would write for a document that is gone.
    if (!this.#dirty || this.#disposed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#run();
  }

  /** Stops saving, flushes included, until {@link revive}; a dirty document stays dirty (flush first to save). */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    // Forgotten too: markDirty arms a timer only when none is set, and must after a revive.
    this.#timer = undefined;
  }

  /** Schedules again after {@link dispose} (a document restored from the trash). */
  revive(): void {
    this.#disposed = false;
  }

  /** Debounce after the last edit, bounded by the maximum wait since the document became dirty. */
  #scheduleDue(): void {
    const due = () => Math.min(this.#lastEditAt + this.#options.debounceMs, this.#firstDirtyAt + this.#maxWaitMs);
    this.#schedule(Math.max(0, due() - Date.now()), () => {
      // Edits since the timer was armed moved the due time later: wait for it.
      if (due() > Date.now()) this.#scheduleDue();
      else void this.#run();
    });
  }

  #schedule(delayMs: number, fire: () => void = () => void this.#run()): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      fire();
    }, delayMs);
  }

  async #run(): Promise<void> {
    // A save is in flight: it schedules the next one itself when it ends with the document dirty.
    if (this.#saving) return;
    this.#dirty = false;
    const saving = this.#options.save();
    this.#saving = saving;
    try {
      await saving;
      this.#failures = 0;
    } catch (error) {
      this.#dirty = true;
      this.#failures++;
      const retryInMs = this.#jittered(Math.min(this.#options.retryMaxMs, this.#options.retryInitialMs * 2 ** (this.#failures - 1)));
      this.#options.onError?.(error, retryInMs);
      if (!this.#disposed) this.#schedule(retryInMs);
      return;
    } finally {
      this.#saving = undefined;
    }
    // Edits that arrived during the save marked the document dirty again (and set a fresh #firstDirtyAt).
    if (this.#dirty && !this.#disposed) this.#scheduleDue();
  }

  #jittered(ms: number): number {
    return Math.round(ms * (1 - this.#options.jitter * this.#options.random()));
  }
}
