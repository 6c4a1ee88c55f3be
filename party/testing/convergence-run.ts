import { CloseCode, DocRoot } from "@collab/protocol";
import * as Y from "yjs";
import { createRandom, type Random } from "../../tools/random.ts";
import { SyncType } from "../messages.ts";
import { MemoryStorage } from "./memory-storage.ts";
import { covers, SimClient, syncFrame } from "./sim-client.ts";
import { loadStored, SimRoom } from "./sim-room.ts";

export interface ConvergenceOptions {
  seed: number;
  /** Random actions before the final sync. */
  steps: number;
  /** Honest clients (one user each); a hostile one joins them. */
  clients: number;
  /** The group commit's test-only bypass: messages leave before the commit (the negative test). */
  unsafeCommitDelayMs?: number;
  /** Honest clients send updates only once synced (see SimClient): leaves out the open pending-structs bug. */
  holdUntilSynced?: boolean;
}

export interface ConvergenceResult {
  /** What went wrong, one line each; empty when the room kept every promise. */
  violations: string[];
  text: string;
  counts: Record<"edits" | "roomTurns" | "crashes" | "drops" | "duplicates" | "forgeriesRefused" | "garbageRefused", number>;
}

/** y-partykit keeps every room's Y.Doc for the life of the process: each simulated object needs a new id. */
let incarnations = 0;

/** What the hostile client writes into forged updates: it must never reach the document. */
export const FORGED = "\u2620";

/**
 * One seeded run, in the spirit of Yjs's `applyRandomTests`: honest clients edit, frames travel in random
 * order between sockets (each socket stays FIFO, as a WebSocket is), frames are sent and applied twice,
 * sockets drop with what they carried, and the room crashes mid-turn and restarts from its storage. A
 * hostile client writes under honest clients' ids and sends truncated frames.
 *
 * Checked: at every crash, everything any client received from the room survives in storage (the group
 * commit's promise); each forgery of a live id is refused with 4423 and each broken frame with 4422, and
 * no honest client is ever closed; after a final sync every honest client, the room and its storage hold
 * the same document, without a forged character.
 */
export async function runConvergence(options: ConvergenceOptions): Promise<ConvergenceResult> {
  const random = createRandom(options.seed);
  const storage = new MemoryStorage();
  const violations: string[] = [];
  const counts: ConvergenceResult["counts"] = { edits: 0, roomTurns: 0, crashes: 0, drops: 0, duplicates: 0, forgeriesRefused: 0, garbageRefused: 0 };
  const start = () => SimRoom.start(storage, `sim-${options.seed}-${incarnations++}`, { unsafeCommitDelayMs: options.unsafeCommitDelayMs });
  let room = await start();
  const ids = distinctIds(random.fork("ids"), options.clients + 1);
  const honest = Array.from({ length: options.clients }, (_, i) => new SimClient(`client${i}`, `user${i}`, ids[i]!, { holdUntilSynced: options.holdUntilSynced }));
  const mallory = new SimClient("mallory", "mallory", ids[options.clients]!);
  const everyone = [...honest, mallory];
  /** What each of mallory's frames is meant to provoke, checked when it reaches the room. */
  const intents = new Map<Uint8Array, { kind: "forgery"; victim: number; end: number } | { kind: "garbage" }>();
  for (const client of everyone) await client.connect(room);

  const deliverToRoom = (client: SimClient) => {
    const frame = client.connection?.toRoom[0];
    if (!frame || !client.online) return client.deliverToRoom(room);
    const intent = intents.get(frame);
    const fresh = intent?.kind === "forgery" && intent.end > Y.getState(room.doc!.store, intent.victim);
    const closesBefore = room.closes.length;
    client.deliverToRoom(room);
    const closed = room.closes.slice(closesBefore).find((close) => close.socket === client.connection?.socket);
    if (closed && client !== mallory) violations.push(`${client.name} (honest) was closed: ${closed.code} ${closed.reason}`);
    if (intent?.kind === "garbage") {
      if (closed?.code === CloseCode.MalformedMessage) counts.garbageRefused++;
      else violations.push(`a truncated frame was not refused with 4422 (${closed ? closed.code : "not closed"})`);
    }
    if (fresh) {
      if (closed?.code === CloseCode.ClientIdTaken) counts.forgeriesRefused++;
      else violations.push(`a forged update under client id ${intent.victim} was not refused with 4423 (${closed ? closed.code : "not closed"})`);
    }
    if (closed) client.drop(undefined);
  };

  for (let step = 0; step < options.steps; step++) {
    const roll = random.next();
    const client = everyone[random.int(everyone.length)]!;
    if (roll < 0.25) {
      if (client === mallory) continue;
      client.edit(random.next(), random.next() < 0.7 ? randomText(random) : undefined, 1 + random.int(4));
      counts.edits++;
    } else if (roll < 0.55) {
      deliverToRoom(client);
      if (random.next() < 0.3) endTurn();
    } else if (roll < 0.75) {
      const duplicate = random.next() < 0.05;
      if (duplicate) counts.duplicates++;
      client.deliverToClient(duplicate);
    } else if (roll < 0.82) {
      endTurn();
    } else if (roll < 0.84) {
      if (client.connection) counts.duplicates++;
      client.resend(random.int(1_000));
    } else if (roll < 0.86) {
      if (client.connection) counts.drops++;
      client.drop(room);
    } else if (roll < 0.93) {
      if (!client.connection) await client.connect(room);
    } else if (roll < 0.993) {
      if (mallory.online) mallorySends(random);
      else {
        mallory.drop(room);
        await mallory.connect(room);
      }
    } else {
      room = await crash(step);
    }
  }

  // The final sync: everyone online, every frame delivered, every turn ended, until nothing moves.
  for (const client of honest) {
    if (!client.online) {
      client.drop(room);
      await client.connect(room);
    }
  }
  const moving = () => honest.some((c) => !c.connection || c.connection.toRoom.length + c.connection.toClient.length > 0);
  for (let round = 0; round < 1_000 && moving(); round++) {
    for (const client of honest) {
      // Only after a violation (an honest client closed): reconnect it, so the rest is still checked.
      if (!client.connection) await client.connect(room);
      while (client.connection?.toRoom.length) deliverToRoom(client);
    }
    endTurn();
    for (const client of honest) while (client.connection?.toClient.length) client.deliverToClient();
  }
  endTurn();
  const stored = await loadStored(storage);
  for (const client of honest) {
    if (client.text !== room.text || !covers(client.doc, room.doc!) || !covers(room.doc!, client.doc)) violations.push(`${client.name} diverged from the room`);
  }
  if (stored.getText(DocRoot.content).toString() !== room.text) violations.push("room storage differs from the room's document");
  if (room.text.includes(FORGED)) violations.push("a forged update reached the document");
  if (room.failures.length) violations.push(`storage writes failed: ${room.failures.join("; ")}`);
  return { violations: violations.map((line) => `seed ${options.seed}: ${line}`), text: room.text, counts };

  function endTurn(): void {
    counts.roomTurns++;
    room.endTurn();
  }

  /** The object dies mid-turn. What it released is on the wire and arrives; then every socket is gone. */
  async function crash(step: number): Promise<SimRoom> {
    counts.crashes++;
    room.crash();
    for (const client of everyone) {
      while (client.connection?.toClient.length) client.deliverToClient();
      client.drop(undefined);
    }
    const restored = await loadStored(storage);
    for (const client of everyone) {
      if (!covers(restored, client.received)) violations.push(`step ${step}: a crash lost an edit ${client.name} had received from the room`);
    }
    return start();
  }

  /** A forged update under an honest client's id (one the room has sent mallory), or a truncated frame. */
  function mallorySends(random: Random): void {
    const known = honest.map((c) => c.doc.clientID).filter((id) => Y.getState(mallory.received.store, id) > 0);
    const connection = mallory.connection!;
    if (known.length > 0 && random.next() < 0.6) {
      const victim = known[random.int(known.length)]!;
      const forger = new Y.Doc();
      Y.applyUpdate(forger, Y.encodeStateAsUpdate(mallory.received));
      // Set after the state is in: Yjs picks a new id for a doc that receives structs under its own.
      forger.clientID = victim;
      const before = Y.encodeStateVector(forger);
      const text = forger.getText(DocRoot.content);
      text.insert(random.int(text.length + 1), FORGED);
      const frame = syncFrame(SyncType.update, Y.encodeStateAsUpdate(forger, before));
      intents.set(frame, { kind: "forgery", victim, end: Y.getState(forger.store, victim) });
      connection.toRoom.push(frame);
    } else {
      const whole = syncFrame(SyncType.update, Y.encodeStateAsUpdate(mallory.received));
      const frame = whole.slice(0, 1 + random.int(whole.byteLength - 1));
      intents.set(frame, { kind: "garbage" });
      connection.toRoom.push(frame);
    }
  }
}

/** No astral characters: an editor never splits a surrogate pair, and Yjs repairs a split one per replica. */
function randomText(random: Random): string {
  const chars = [..."abcdefghij \n{}();=é"];
  return Array.from({ length: 1 + random.int(3) }, () => chars[random.int(chars.length)]).join("");
}

function distinctIds(random: Random, count: number): number[] {
  const ids = new Set<number>();
  while (ids.size < count) ids.add(1 + random.int(2 ** 31 - 2));
  return [...ids];
}
