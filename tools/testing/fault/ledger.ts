/**
 * What honest clients typed and what others saw of it. Every insert is one unique marker token, e.g.
 * `[c3.17]` (client incarnation 3, its 17th insert); clients only insert at token boundaries and delete whole
 * tokens, so every text is a sequence of whole tokens.
 *
 * A token that any client other than its author received from the room was acknowledged: the room sends
 * nothing before it is in room storage, so it must be in the final text, unless some client deleted it on
 * purpose (a delete or an undo), which the ledger also records.
 */
const TOKEN = /\[c\d+\.\d+\]/g;

export function token(client: number, n: number): string {
  return `[c${client}.${n}]`;
}

/** The tokens in `text`, in order, with their offsets. */
export function tokensIn(text: string): { token: string; start: number; end: number }[] {
  return [...text.matchAll(TOKEN)].map((m) => ({ token: m[0], start: m.index, end: m.index + m[0].length }));
}

export function authorOf(tokenText: string): number {
  return Number(tokenText.slice(2, tokenText.indexOf(".")));
}

export class Ledger {
  readonly typed = new Set<string>();
  /** Token -> the first client other than its author that received it. */
  readonly acknowledged = new Map<string, number>();
  readonly deleted = new Set<string>();
  /** Clients whose writing someone else received: the room has seen (and bound) their Yjs client ids. */
  readonly relayed = new Set<number>();

  typedBy(tokenText: string): void {
    this.typed.add(tokenText);
  }

  /** `client` received `text` from the room (a remote insert). */
  received(client: number, text: string): void {
    for (const { token } of tokensIn(text)) {
      const author = authorOf(token);
      if (author === client) continue;
      this.relayed.add(author);
      if (!this.acknowledged.has(token)) this.acknowledged.set(token, client);
    }
  }

  /** A client removed these tokens on purpose. */
  removed(tokens: Iterable<string>): void {
    for (const t of tokens) this.deleted.add(t);
  }

  /** Acknowledged tokens, never deleted on purpose, that are not in `text`: acknowledged edits that were lost. */
  lostFrom(text: string): string[] {
    const present = new Set(tokensIn(text).map((t) => t.token));
    return [...this.acknowledged.keys()].filter((t) => !this.deleted.has(t) && !present.has(t));
  }
}
