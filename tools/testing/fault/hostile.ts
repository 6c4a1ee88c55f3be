import { CloseCode, closeCodeName } from "@collab/protocol";
import type * as Y from "yjs";
import type { Random } from "../../random.ts";
import { rawSocket, type RawSocket } from "../clients.ts";
import { awarenessFrame, emptyUpdateFrame, forgedUpdate, garbageFrame, pendingUpdates, randomClientId, tinyStructsUpdate, updateFrame } from "./frames.ts";

/**
 * Hostile peers for the fault harness: each opens a raw socket with a real room token and misbehaves until
 * the room closes it, or gives up after `timeoutMs`. What the harness asks of the room is only what issue 8
 * does: the attacker is closed with a named room code (4400-4599), and the honest clients do not notice.
 */
export const ATTACKS = ["garbage", "forged-client-id", "pending-structs", "update-flood", "awareness-flood", "viewer-writes"] as const;
export type Attack = (typeof ATTACKS)[number];
/**
 * What `npm test` runs: every attack. Two of them found bugs, both fixed: "pending-structs" found that the
 * room's sync answers handed an attacker's pending structs to honest joiners (seed 172488807, session 3; the
 * room now answers sync step 1 without them, party/sync-answer.ts); "update-flood" was never closed because
 * it stayed under the room's 20,000-message burst (the harness's party now allows 300 a second, burst 1,000).
 */
export const DEFAULT_ATTACKS: readonly Attack[] = ATTACKS;

export interface AttackContext {
  partyUrl: string;
  docId: string;
  editorToken(): Promise<string>;
  viewerToken(): Promise<string>;
  /** An honest client that has written (online if one is), whose Yjs client id a forger takes. */
  victim(): Y.Doc | undefined;
  random: Random;
  timeoutMs?: number;
}

export interface AttackOutcome {
  attack: Attack;
  /** The close code the attacker saw, or undefined when the room never closed it. */
  code: number | undefined;
  reason: string;
  ms: number;
  /** False when the attacker found nothing to attack with (no id to forge): no close is owed then. */
  mounted: boolean;
}

const NAMED_ROOM_CODES = new Set<number>(Object.values(CloseCode).filter((code) => code >= 4400 && code < 4600));

/** Whether `code` is one of the room's named close codes (4400-4599), e.g. 4422 MalformedMessage. */
export function isNamedRoomCode(code: number | undefined): boolean {
  return code !== undefined && NAMED_ROOM_CODES.has(code);
}

export function describeOutcome(outcome: AttackOutcome): string {
  const code = !outcome.mounted ? "not mounted" : outcome.code === undefined ? "not closed" : `${outcome.code} ${closeCodeName(outcome.code) ?? "(unnamed)"}`;
  return `${outcome.attack}: ${code} after ${outcome.ms.toFixed(0)} ms${outcome.reason ? ` (${outcome.reason})` : ""}`;
}

export async function runAttack(attack: Attack, context: AttackContext): Promise<AttackOutcome> {
  const timeoutMs = context.timeoutMs ?? 10_000;
  const token = attack === "viewer-writes" ? await context.viewerToken() : await context.editorToken();
  const started = performance.now();
  const peer = await rawSocket(context.partyUrl, context.docId, token);
  let closed: { code: number; reason: string } | undefined;
  void peer.closed.then((c) => (closed = c));
  const deadline = started + timeoutMs;
  const open = () => !closed && peer.socket.readyState === peer.socket.OPEN && performance.now() < deadline;
  try {
    const mounted = await misbehave(attack, peer, context, open);
    const result = await Promise.race([peer.closed, new Promise<undefined>((r) => setTimeout(r, Math.max(0, deadline - performance.now())))]);
    if (!mounted && !isNamedRoomCode(result?.code)) return { attack, code: undefined, reason: "nobody wrote whose id it could forge", ms: performance.now() - started, mounted: false };
    return { attack, code: result?.code, reason: result?.reason ?? "", ms: performance.now() - started, mounted: true };
  } finally {
    peer.socket.terminate();
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Misbehaves as `attack` says; false when it found no way to (nothing to forge). */
async function misbehave(attack: Attack, peer: RawSocket, context: AttackContext, open: () => boolean): Promise<boolean> {
  const { random } = context;
  const send = (frame: Uint8Array) => open() && peer.socket.send(frame);
  switch (attack) {
    case "garbage":
      send(garbageFrame(random, 16 + random.int(200)));
      return true;
    case "forged-client-id": {
      // Early in a session nobody may have written yet: wait for a writer (while the attack's time lasts).
      let victim = context.victim();
      while (!victim && open()) {
        await pause(50);
        victim = context.victim();
      }
      // Nobody the room relayed wrote while the attack lasted (or the room closed the attacker first, as it
      // closes writers while storage fails): nothing to forge. Not an attack the room could refuse.
      if (!victim) return false;
      send(updateFrame(forgedUpdate(victim, victim.clientID, "[forged]")));
      return true;
    }
    case "pending-structs": {
      // A few MB that can never integrate; a room that bounds pending size closes at once, one that bounds
      // only their age closes later: the wait below covers both.
      const pending = pendingUpdates(randomClientId(random));
      for (let i = 0; i < 16 && open(); i++) {
        send(updateFrame(pending.next(256 * 1024)));
        await pause(50);
      }
      return true;
    }
    case "update-flood":
      // 40 frames every 5 ms (8,000 a second nominal, still over 1,000 on a loaded machine) until closed:
      // past the harness party's burst (RATE_MESSAGE_BURST 1,000) and rate (300 a second) within a second
      // or two. Paced, because tens of thousands of frames at once make partykit dev's proxy drop the socket
      // to the room (leaving the attacker's end open) before the room sees them.
      for (let i = 0; i < 3_000 && open(); i++) {
        for (let j = 0; j < 40 && open(); j++) send(emptyUpdateFrame());
        await pause(5);
      }
      return true;
    case "awareness-flood": {
      // Amplification: many client ids in every frame, each a cursor the room would draw for everyone.
      const base = randomClientId(random);
      for (let clock = 1; clock <= 200 && open(); clock++) {
        const entries = Array.from({ length: 230 }, (_, i) => ({ clientId: base + i, clock, state: { cursor: { anchor: clock, head: clock } } }));
        send(awarenessFrame(entries));
        await pause(10);
      }
      return true;
    }
    case "viewer-writes": {
      const clientId = randomClientId(random);
      for (let i = 0; i < 20 && open(); i++) {
        send(updateFrame(tinyStructsUpdate(clientId, 200_000, i * 200_000)));
        await pause(20);
      }
      return true;
    }
  }
}
