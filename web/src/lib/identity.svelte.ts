import { Limits, colorFor, type PresenceUser } from "@collab/protocol";

/** The localStorage key holding `{ id, name }`; e2e tests may preset it to skip the name prompt. */
export const IDENTITY_STORAGE_KEY = "collab.identity";

interface StoredIdentity {
  id: string;
  name: string;
}

/**
 * Who this browser is, before accounts exist: a stable random id (so the same person in two tabs is one
 * entry in the presence list, with one colour) and a display name the user picks. Both live in
 * localStorage; when storage is unavailable (private mode, disabled) they last for the page's lifetime.
 *
 * @example
 * const identity = new Identity();
 * if (!identity.user) identity.setName("Ada");
 * awareness.setLocalStateField("user", identity.user);
 */
export class Identity {
  readonly id: string;
  readonly color: string;
  readonly colorLight: string;
  /** Empty until the user has picked one. */
  name = $state("");

  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined = localStorageOrUndefined()) {
    this.#storage = storage;
    const stored = readStored(storage);
    this.id = stored?.id ?? crypto.randomUUID();
    this.name = stored?.name ?? "";
    ({ color: this.color, colorLight: this.colorLight } = colorFor(this.id));
    if (!stored) this.#save();
  }

  /** What to publish in awareness; undefined until there is a name. Reactive through `name`. */
  get user(): PresenceUser | undefined {
    return this.name ? { id: this.id, name: this.name, color: this.color, colorLight: this.colorLight } : undefined;
  }

  /**
   * Follows renames made in this browser's other tabs (the `storage` event fires only in the others), so
   * one person keeps one name everywhere. Returns the function that stops following.
   */
  listen(): () => void {
    const onStorage = (event: StorageEvent) => {
      if (event.key !== IDENTITY_STORAGE_KEY) return;
      const stored = readStored(this.#storage);
      if (stored?.id === this.id && stored.name) this.name = stored.name;
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }

  /** Sets the display name; returns false (and keeps the old one) when it is blank after trimming. */
  setName(raw: string): boolean {
    const name = normalizeName(raw);
    if (!name) return false;
    this.name = name;
    this.#save();
    return true;
  }

  #save(): void {
    try {
      this.#storage?.setItem(IDENTITY_STORAGE_KEY, JSON.stringify({ id: this.id, name: this.name }));
    } catch (error) {
      // Quota or privacy settings: the identity still works for this page.
      console.warn("Could not save the identity", error);
    }
  }
}

/** Trims, collapses whitespace and caps the length at `Limits.maxNameLength`. */
export function normalizeName(raw: string): string {
  return raw.replace(/\s+/g, " ").trim().slice(0, Limits.maxNameLength).trim();
}

function readStored(storage: Storage | undefined): StoredIdentity | undefined {
  try {
    const value: unknown = JSON.parse(storage?.getItem(IDENTITY_STORAGE_KEY) ?? "null");
    if (typeof value !== "object" || value === null) return undefined;
    const { id, name } = value as Record<string, unknown>;
    if (typeof id !== "string" || !id) return undefined;
    return { id, name: typeof name === "string" ? normalizeName(name) : "" };
  } catch {
    return undefined;
  }
}

function localStorageOrUndefined(): Storage | undefined {
  try {
    // Merely reading `localStorage` throws in some browsers when storage is blocked.
    return window.localStorage;
  } catch {
    return undefined;
  }
}
