import { CloseCode, DocumentDetail, closeCodeName } from "@collab/protocol";
import type { Random } from "../../random.ts";
import type { TestUser } from "../accounts.ts";
import { connectClient, waitFor } from "../clients.ts";
import type { FaultParty } from "./fault-party.ts";
import { HonestClient } from "./honest-client.ts";
import { describeOutcome, isNamedRoomCode, runAttack, type Attack, type AttackOutcome } from "./hostile.ts";
import { Ledger } from "./ledger.ts";

/**
 * One seeded session of the fault harness on one new document: honest clients edit at random (inserts,
 * deletes, undo, offline edits, dropped sockets, leaving and coming back) while hostile peers attack, the
 * party may be SIGKILLed and Postgres may go away. At the end every honest client and the room must hold
 * the same text, every token another client had received must be in it (unless deleted on purpose), and
 * Postgres must hold that text once the last client left.
 */
export interface SessionUsers {
  /** Honest editors: the owner and a member. */
  editors: [TestUser, TestUser];
  /** An editor member who attacks. */
  mallory: TestUser;
  /** A viewer member who attacks. */
  viewer: TestUser;
}

export interface SessionOptions {
  party: FaultParty;
  users: SessionUsers;
  random: Random;
  attacks: readonly Attack[];
  /** Whether this session SIGKILLs the party once, and whether it stops the database once. */
  kill: boolean;
  outage: boolean;
}

export interface SessionReport {
  docId: string;
  clients: number;
  steps: number;
  kills: number;
  outages: number;
  attacks: AttackOutcome[];
  typed: number;
  acknowledged: number;
  deleted: number;
  textLength: number;
  /** Everything that went wrong; empty when the session passed. */
  failures: string[];
  summary: string;
}

/** Honest clients may see these codes without anything being wrong: the room could not load, or storage refused a write. */
const EXPECTED_HONEST_CODES = new Set<number>([CloseCode.RoomUnavailable, CloseCode.StorageUnavailable]);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSession(options: SessionOptions): Promise<SessionReport> {
  const { party, users, random } = options;
  const started = performance.now();
  const failures: string[] = [];
  const ledger = new Ledger();
  const owner = users.editors[0];
  const docId = await owner.createDocument();
  for (const [member, role] of [[users.editors[1], "editor"], [users.mallory, "editor"], [users.viewer, "viewer"]] as const) {
    const response = await owner.request(`/api/documents/${docId}/members`, { body: { user: member.username, role } });
    if (response.status !== 201) throw new Error(`invite ${role}: ${response.status} ${await response.text()}`);
  }
  const tokenOf = cachedTokens(docId);

  let nextId = 1;
  const count = 3 + random.int(3);
  const join = (): HonestClient => {
    const id = nextId++;
    const user = users.editors[id % 2]!;
    const client = new HonestClient(id, party.url, docId, () => tokenOf(user), ledger);
    client.client.provider.on("connection-close", (event: { code: number; reason: string } | null) => {
      if (event && event.code >= 4000 && !EXPECTED_HONEST_CODES.has(event.code)) {
        failures.push(`honest client ${id} was closed with ${event.code} ${closeCodeName(event.code) ?? ""} (${event.reason})`);
      }
    });
    return client;
  };
  const syncAll = (clients: HonestClient[]) =>
    Promise.all(clients.map((c) => Promise.race([c.client.synced, pause(20_000).then(() => Promise.reject(new Error(`client ${c.id} did not sync within 20 s`)))])));

  let clients = Array.from({ length: count }, join);
  await syncAll(clients);

  const steps = 60 + random.int(90);
  const killAt = options.kill ? 10 + random.int(steps - 10) : -1;
  const outageAt = options.outage ? random.int(steps) : -1;
  const attackAt = new Map<number, Attack>();
  for (const attack of options.attacks) {
    let step = random.int(steps);
    while (attackAt.has(step)) step = (step + 1) % steps;
    attackAt.set(step, attack);
  }
  const attacks: Promise<AttackOutcome>[] = [];
  let outageOver: Promise<void> = Promise.resolve();
  let kills = 0;
  let outages = 0;
  const timings: string[] = [];

  for (let step = 0; step < steps; step++) {
    if (step === killAt) {
      // Every client stops before the restart: a surviving client would upload what the crash lost and hide it.
      await Promise.allSettled(attacks);
      clients.forEach((c) => c.destroy());
      await party.kill();
      kills++;
      const restarting = performance.now();
      await party.restart();
      const syncing = performance.now();
      clients = Array.from({ length: count }, join);
      await syncAll(clients);
      timings.push(`restart ${(syncing - restarting).toFixed(0)} ms + sync ${(performance.now() - syncing).toFixed(0)} ms`);
    }
    if (step === outageAt) {
      outages++;
      await party.databaseDown();
      outageOver = pause(500 + random.int(2_000)).then(() => party.databaseUp());
    }
    const attack = attackAt.get(step);
    if (attack) {
      attacks.push(
        runAttack(attack, {
          partyUrl: party.url,
          docId,
          editorToken: () => tokenOf(users.mallory),
          viewerToken: () => tokenOf(users.viewer),
          // One whose writing the room relayed: an id the room never saw belongs to nobody, and no real
          // attacker could know it (session 258 of seed 2611 forged a client's id while it had only ever
          // typed offline, took it first, and the client was refused its own id: a harness bug).
          // An online writer if there is one; else any: a client id stays its user's while they are
          // offline, so a forgery of it must be refused all the same (seed of session 39 found none online).
          victim: () => (clients.find((c) => c.online && ledger.relayed.has(c.id)) ?? clients.find((c) => ledger.relayed.has(c.id)))?.client.doc,
          random: random.fork(`attack ${step}`),
        }),
      );
    }
    act(clients, random, join, (replaced, fresh) => (clients = clients.map((c) => (c === replaced ? fresh : c))));
    await pause(2 + random.int(18));
  }

  const outcomes = await Promise.all(attacks);
  for (const outcome of outcomes) if (outcome.mounted && !isNamedRoomCode(outcome.code)) failures.push(`hostile peer not closed with a named code: ${describeOutcome(outcome)}`);
  await outageOver;
  await party.databaseUp();
  clients.forEach((c) => c.goOnline());

  let finalText = "";
  const converging = performance.now();
  try {
    await waitFor(() => clients.every((c) => c.online) && clients.every((c) => c.text === clients[0]!.text), "every honest client is online and they converge", 20_000);
    const auditor = connectClient(party.url, docId, { token: () => tokenOf(owner) });
    try {
      await auditor.synced;
      await waitFor(() => auditor.text.toString() === clients[0]!.text, "the room holds the clients' converged text", 5_000).catch((error: Error) => {
        failures.push(`${error.message}: the room has ${auditor.text.length} chars, the clients ${clients[0]!.text.length}`);
      });
      finalText = auditor.text.toString();
      timings.push(`converged ${(performance.now() - converging).toFixed(0)} ms`);
    } finally {
      auditor.destroy();
    }
  } catch (error) {
    const texts = clients.map((c) => `client ${c.id} (${c.online ? "online" : "offline"}): ${c.text.length} chars`).join("; ");
    failures.push(`no convergence: ${(error as Error).message}; ${texts}`);
    finalText = clients[0]?.text ?? "";
  } finally {
    for (const c of clients) if (c.clientIdTaken) failures.push(`honest client ${c.id}'s Yjs client id was written under by someone else (Yjs replaced it)`);
    clients.forEach((c) => c.destroy());
  }

  const lost = ledger.lostFrom(finalText);
  if (lost.length > 0) failures.push(`${lost.length} acknowledged edits lost: ${lost.slice(0, 10).join(" ")}`);
  if (failures.length === 0) {
    const saving = performance.now();
    const saved = await savedTextEventually(owner, docId, finalText, 45_000);
    timings.push(`in Postgres ${(performance.now() - saving).toFixed(0)} ms`);
    if (saved !== finalText) failures.push(`Postgres holds ${saved === undefined ? "nothing" : `${saved.length} chars`} instead of the room's ${finalText.length}`);
  }

  const summary =
    `${count} clients, ${steps} steps, ${kills} kill(s), ${outages} outage(s), ` +
    `${ledger.typed.size} typed / ${ledger.acknowledged.size} acknowledged / ${ledger.deleted.size} deleted, ${finalText.length} chars` +
    (outcomes.length ? `; ${outcomes.map(describeOutcome).join("; ")}` : "") +
    ` (${((performance.now() - started) / 1000).toFixed(1)} s: ${timings.join(", ")})`;
  return { docId, clients: count, steps, kills, outages, attacks: outcomes, typed: ledger.typed.size, acknowledged: ledger.acknowledged.size, deleted: ledger.deleted.size, textLength: finalText.length, failures, summary };
}

/** One random honest action. */
function act(clients: HonestClient[], random: Random, join: () => HonestClient, replace: (old: HonestClient, fresh: HonestClient) => void): void {
  const client = clients[random.int(clients.length)]!;
  const roll = random.int(100);
  if (roll < 50) client.insert(random);
  else if (roll < 65) client.remove(random);
  else if (roll < 73) client.undo();
  else if (roll < 83) {
    // Offline and back: at least one client stays online so edits keep being acknowledged.
    if (client.offline) client.goOnline();
    else if (clients.filter((c) => c.offline).length < clients.length - 1) client.goOffline();
  } else if (roll < 88) client.drop();
  else if (roll < 91) {
    // Leaves (what it had not yet sent is gone, and nobody saw it) and a new tab joins.
    client.destroy();
    replace(client, join());
  }
}

/** Room tokens per user, reused for a minute (they live five): reconnect storms should not hammer the worker. */
function cachedTokens(docId: string): (user: TestUser) => Promise<string> {
  const cache = new Map<string, { token: string; at: number }>();
  return async (user) => {
    const hit = cache.get(user.id);
    if (hit && Date.now() - hit.at < 60_000) return hit.token;
    for (let attempt = 0; ; attempt++) {
      try {
        const token = await user.roomToken(docId);
        cache.set(user.id, { token, at: Date.now() });
        return token;
      } catch (error) {
        // A loaded worker may refuse for a moment; a provider's connect must not throw (it would be unhandled).
        if (attempt >= 20) throw error;
        await pause(200 * (attempt + 1));
      }
    }
  };
}

async function savedTextEventually(user: TestUser, docId: string, expected: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let saved: string | undefined;
  for (;;) {
    const response = await user.request(`/api/documents/${docId}`).catch(() => undefined);
    if (response?.status === 200) saved = DocumentDetail.parse(await response.json()).text;
    else await response?.body?.cancel();
    if (saved === expected || Date.now() > deadline) return saved;
    await pause(100);
  }
}
