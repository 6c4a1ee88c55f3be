import { PRESENCE_EVENT, PresenceResponse, type ActiveUser } from "@collab/protocol";
import { presence } from "./api/index.ts";

export interface DocumentPresenceOptions {
  /** A poll failed; e.g. `session.handle`, which signs out on 401. The polling goes on regardless. */
  onError?: (error: unknown) => void;
  /** How often to ask `/api/presence` once the stream has been given up. */
  pollMs?: number;
  /** Stream errors in a row (without an event between them) before giving the stream up. */
  maxStreamErrors?: number;
  /** The stream sends its first event at once; none by then means something in between holds it back. */
  firstEventMs?: number;
}

export type DocumentPresenceMode = "idle" | "stream" | "polling" | "closed";

const NOBODY: readonly ActiveUser[] = Object.freeze([]);

/**
 * Who is in each of the documents you may see, live, for the document list: `GET /api/presence/stream`
 * through an `EventSource`, each event a full `PresenceResponse` that replaces the last.
 *
 * EventSource reconnects by itself after a dropped stream (and after the worker ends it, every 10 minutes),
 * firing `error` each time, so one error is no reason to worry. Several in a row without an event between
 * them, a stream that is refused outright (a non-200 answer closes the EventSource for good), or one that
 * opens but never delivers the event the worker sends at once (a proxy that buffers `text/event-stream`)
 * make it fall back to polling `GET /api/presence` for the rest of the page's life. Polling goes through
 * `request`, so a lost session reaches `onError` as a 401 like any other request.
 *
 * @example
 * const live = new DocumentPresence({ onError: session.handle });
 * live.start();
 * live.usersIn(docId); // [{ id, name, color, connections }]
 * live.destroy();
 */
export class DocumentPresence {
  /** Document id -> who is in it; documents with nobody are absent. */
  byDocument = $state.raw<ReadonlyMap<string, readonly ActiveUser[]>>(new Map());
  /** For display only: the logic reads `#mode`, so starting inside an `$effect` does not subscribe it to this. */
  mode = $state<DocumentPresenceMode>("idle");

  readonly #onError: (error: unknown) => void;
  readonly #pollMs: number;
  readonly #maxStreamErrors: number;
  readonly #firstEventMs: number;
  #mode: DocumentPresenceMode = "idle";
  #source: EventSource | undefined;
  #streamErrors = 0;
  #receivedAny = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #controller: AbortController | undefined;

  constructor({ onError = () => {}, pollMs = 5_000, maxStreamErrors = 3, firstEventMs = 10_000 }: DocumentPresenceOptions = {}) {
    this.#onError = onError;
    this.#pollMs = pollMs;
    this.#maxStreamErrors = maxStreamErrors;
    this.#firstEventMs = firstEventMs;
  }

  usersIn(docId: string): readonly ActiveUser[] {
    return this.byDocument.get(docId) ?? NOBODY;
  }

  start(): void {
    if (this.#mode !== "idle") return;
    if (typeof EventSource === "undefined") return this.#fallBack("no EventSource in this browser");
    this.#setMode("stream");
    const source = (this.#source = new EventSource(presence.streamUrl));
    source.addEventListener(PRESENCE_EVENT, this.#onEvent);
    source.addEventListener("error", this.#onStreamError);
    this.#timer = setTimeout(() => {
      if (!this.#receivedAny) this.#fallBack(`no event within ${this.#firstEventMs} ms`);
    }, this.#firstEventMs);
  }

  destroy(): void {
    this.#setMode("closed");
    this.#closeStream();
    clearTimeout(this.#timer);
    this.#controller?.abort();
  }

  #onEvent = (event: MessageEvent<string>): void => {
    let parsed: ReturnType<typeof PresenceResponse.safeParse>;
    try {
      parsed = PresenceResponse.safeParse(JSON.parse(event.data));
    } catch (error) {
      return console.error("presence stream: an event that is not JSON", error, event.data);
    }
    if (!parsed.success) return console.error("presence stream: an event that does not match the contract", parsed.error, event.data);
    this.#receivedAny = true;
    this.#streamErrors = 0;
    this.#show(parsed.data);
  };

  #onStreamError = (): void => {
    if (this.#source?.readyState === EventSource.CLOSED) return this.#fallBack("the stream was refused");
    if (++this.#streamErrors >= this.#maxStreamErrors) this.#fallBack(`${this.#streamErrors} stream errors in a row`);
  };

  #fallBack(why: string): void {
    if (this.#mode === "polling" || this.#mode === "closed") return;
    console.warn(`presence: polling /api/presence every ${this.#pollMs} ms instead of the live stream (${why})`);
    this.#closeStream();
    clearTimeout(this.#timer);
    this.#setMode("polling");
    void this.#poll();
  }

  async #poll(): Promise<void> {
    const controller = (this.#controller = new AbortController());
    try {
      this.#show(await presence.active(controller.signal));
    } catch (error) {
      if (controller.signal.aborted) return;
      this.#onError(error);
    }
    if (this.#mode === "polling") this.#timer = setTimeout(() => void this.#poll(), this.#pollMs);
  }

  #show(response: PresenceResponse): void {
    this.byDocument = new Map(response.documents.map((doc) => [doc.id, doc.users]));
  }

  #setMode(mode: DocumentPresenceMode): void {
    this.#mode = mode;
    this.mode = mode;
  }

  #closeStream(): void {
    this.#source?.removeEventListener(PRESENCE_EVENT, this.#onEvent);
    this.#source?.removeEventListener("error", this.#onStreamError);
    this.#source?.close();
    this.#source = undefined;
  }
}
