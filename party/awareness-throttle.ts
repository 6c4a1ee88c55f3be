/**
 * Cursor updates per connection: at most one awareness frame per `intervalMs` reaches the room (and so is
 * broadcast to everyone); a newer frame replaces a waiting one, so the last position always arrives. A
 * client that sends more than `floodPerSecond` frames in a second is closed: no editor needs that many.
 */
export class AwarenessThrottle {
  #intervalMs: number;
  #floodPerSecond: number;
  #lastDelivered = 0;
  #waiting: Uint8Array | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #windowStart = 0;
  #windowCount = 0;

  constructor(options: { intervalMs: number; floodPerSecond: number }) {
    this.#intervalMs = options.intervalMs;
    this.#floodPerSecond = options.floodPerSecond;
  }

  /**
   * Offers a frame. Returns "flood" when the sender exceeded the flood limit; otherwise delivers the frame
   * now or later through `deliver`.
   */
  offer(frame: Uint8Array, deliver: (frame: Uint8Array) => void): "ok" | "flood" {
    const now = Date.now();
    if (now - this.#windowStart >= 1_000) {
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    if (++this.#windowCount > this.#floodPerSecond) return "flood";
    const wait = this.#lastDelivered + this.#intervalMs - now;
    if (wait <= 0 && !this.#timer) {
      this.#lastDelivered = now;
      deliver(frame);
      return "ok";
    }
    this.#waiting = frame;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (!waiting) return;
      this.#lastDelivered = Date.now();
      deliver(waiting);
    }, Math.max(0, wait));
    return "ok";
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#waiting = undefined;
  }
}
