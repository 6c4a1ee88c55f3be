import type { LogStorage } from "../update-log.ts";

/**
 * Durable Object storage as the room uses it, in memory: each `put` is atomic (all keys or none) and
 * durable as soon as it is issued (the output gate's promise: what a turn wrote is on disk before that
 * turn's messages leave), and it can be told to refuse writes. A crash is modelled by dropping the room
 * object and keeping this one.
 */
export class MemoryStorage implements LogStorage {
  readonly data = new Map<string, unknown>();
  /** Puts, in order, with the number of keys each held. */
  readonly puts: number[] = [];
  failing = false;

  get<T>(key: string): Promise<T | undefined>;
  get<T>(keys: string[]): Promise<Map<string, T>>;
  async get<T>(key: string | string[]): Promise<T | undefined | Map<string, T>> {
    if (Array.isArray(key)) return new Map(key.filter((k) => this.data.has(k)).map((k) => [k, this.data.get(k) as T]));
    return this.data.get(key) as T | undefined;
  }

  /** `put(entries)` as the update log writes, or `put(key, value)` as the client id records do. */
  put(entries: Record<string, unknown>): Promise<void>;
  put(key: string, value: unknown): Promise<void>;
  put(entriesOrKey: Record<string, unknown> | string, value?: unknown): Promise<void> {
    const entries = typeof entriesOrKey === "string" ? { [entriesOrKey]: value } : entriesOrKey;
    // Applied before the first await, as a write issued in a turn is part of that turn.
    if (Object.keys(entries).length > 128) return Promise.reject(new Error("too many keys in one put"));
    if (this.failing) return Promise.reject(new Error("disk on fire"));
    this.puts.push(Object.keys(entries).length);
    for (const [key, entry] of Object.entries(entries)) this.data.set(key, entry instanceof Uint8Array ? entry.slice() : entry);
    return Promise.resolve();
  }

  async delete(keys: string[]): Promise<number> {
    if (this.failing) throw new Error("disk on fire");
    return keys.filter((key) => this.data.delete(key)).length;
  }

  async list<T>({ prefix }: { prefix: string }): Promise<Map<string, T>> {
    return new Map([...this.data].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)) as [string, T][]);
  }

  async setAlarm(): Promise<void> {}
}
