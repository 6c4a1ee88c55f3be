import { monitorEventLoopDelay } from "node:perf_hooks";
import { ROOM_TOKEN_PARAM, closeCodeName } from "@collab/protocol";
import { createRandom, type Random } from "../../tools/random.ts";
import { rawSocket, type RawSocket } from "../../tools/testing/clients.ts";
import { CHUNKED_UPLOAD_MARKER } from "../../party/chunked-upload.ts";
import { awarenessFrame, forgedUpdate, garbageFrame, pendingUpdates, randomClientId, tinyStructsUpdate, updateFrame } from "../../tools/testing/fault/frames.ts";
import type { BenchClient, ClientFactory } from "../clients.ts";
import type { Pgids } from "../cpu.ts";
import { Probe, type ProbeReport } from "../probe.ts";
import type { TokenParams } from "../tokens.ts";
import { watchWorkerdRss, workerdRssBytes } from "../workerd-memory.ts";
import { sleep } from "./rooms.ts";
import * as Y from "yjs";

/**
 * Each attack of issue 8 against our room, one after another, each in rooms of its own. Honest probes (an
 * editor and a reader in the attacked room, and another pair in a second room) send a small edit every
 * 20 ms; the scenario reports the workerd process's memory before and at its peak, the longest stall the
 * probes saw, and whether and how the room closed the attacker. `control` is no attack (an idle peer that
 * renews its awareness every second, as a real one does): what the probes see on this machine anyway.
 */
export const BENCH_ATTACKS = ["control", "slow-reader", "awareness-amplification", "viewer-write-flood", "editor-struct-flood", "pending-structs", "forged-client-id", "upload-hoard", "garbage"] as const;
export type BenchAttack = (typeof BENCH_ATTACKS)[number];

export interface AttackScenarioOptions {
  factory: ClientFactory;
  /** http://host:port of the party. */
  partyUrl: string;
  editorParams: TokenParams;
  viewerParams: TokenParams;
  /** How long each attack runs. */
  seconds: number;
  roomPrefix: string;
  seed: number;
  attacks?: readonly BenchAttack[];
  serverPgid?: () => Pgids | undefined;
  prepare?: (docIds: string[]) => Promise<void>;
  /**
   * Runs before each attack, e.g. a fresh server: each attack then starts from the same baseline memory, and
   * one that wrecks the room does not spoil the next.
   */
  beforeEach?: () => Promise<void>;
  onProgress?: (line: string) => void;
}

export interface AttackResult {
  attack: BenchAttack;
  /** The close code the attacker got, undefined when the room let it run to the end. */
  closedCode?: number;
  closedName?: string;
  closedAfterMs?: number;
  /** For an attacker that connects again after each close (garbage): how many times it did. */
  reconnects?: number;
  /** What the attacker managed to send. */
  sentFrames: number;
  sentBytes: number;
  /** workerd resident memory before the attack and its peak during it. */
  rssBeforeBytes?: number;
  rssPeakBytes?: number;
  /** Undefined when the attack could not be measured (see `error`). */
  sameRoom?: ProbeReport;
  otherRoom?: ProbeReport;
  /** The longest event-loop delay of this (the generator's) process meanwhile: a probe stall no longer than
   * this may be the generator's, not the room's. */
  generatorStallMs?: number;
  /** Why the attack could not be measured, e.g. the probes could not sync with the room. */
  error?: string;
}

export async function runAttacks(options: AttackScenarioOptions): Promise<AttackResult[]> {
  const results: AttackResult[] = [];
  for (const attack of options.attacks ?? BENCH_ATTACKS) {
    options.onProgress?.(`attack ${attack}`);
    try {
      await options.beforeEach?.();
      results.push(await runOne(attack, options, createRandom(options.seed).fork(attack)));
    } catch (error) {
      // A room an attack has wrecked (probes that cannot even sync) is a finding too; the next attack runs.
      results.push({ attack, error: error instanceof Error ? error.message : String(error), sentFrames: 0, sentBytes: 0 });
    }
  }
  return results;
}

/** What the attacker is doing, and how it ended. */
interface Attacker {
  sentFrames: number;
  sentBytes: number;
  closed?: { code: number; at: number };
  /** For an attacker that connects again after each close: how many times it did. */
  reconnects?: number;
  /** Goes on after the room closed one of its sockets (it has others, or connects again). */
  runsToEnd?: boolean;
  /** Stops misbehaving; resolves once it no longer sends. */
  stop(): Promise<void>;
}

async function runOne(attack: BenchAttack, options: AttackScenarioOptions, random: Random): Promise<AttackResult> {
  const docId = `${options.roomPrefix}-${attack}`;
  const otherDocId = `${docId}-other`;
  await options.prepare?.([docId, otherDocId]);
  const same = new Probe(options.factory, docId);
  const other = new Probe(options.factory, otherDocId);
  const extras: BenchClient[] = [];
  let attacker: Attacker | undefined;
  try {
    await Promise.all([same.ready(), other.ready()]);
    // Receivers an amplified broadcast reaches, as a busy document has; for the slow reader, writers whose
    // traffic it does not read.
    if (attack === "awareness-amplification" || attack === "slow-reader") extras.push(...Array.from({ length: 4 }, () => options.factory(docId)));
    await Promise.all(extras.map((c) => c.synced));
    await sleep(300);
    const pgid = options.serverPgid?.();
    const rssBeforeBytes = pgid === undefined ? undefined : workerdRssBytes(pgid);
    const rss = watchWorkerdRss(pgid);
    // The probes live in this process: a stall of this process's own looks like a stall of the room.
    const generator = monitorEventLoopDelay({ resolution: 5 });
    generator.enable();
    same.start();
    other.start();
    const started = performance.now();
    attacker = await startAttacker(attack, { ...options, docId, random, victim: same.writer });
    const bulk = attack === "slow-reader" ? extras.map(bulkWriter) : [];
    const deadline = started + options.seconds * 1000;
    // An attacker with other sockets, or that reconnects, runs to the end; the others end with their close.
    while (performance.now() < deadline && (!attacker.closed || attacker.runsToEnd)) await sleep(20);
    // Keep the probes going a little past a close: a stall that outlasts the attacker still counts.
    await sleep(Math.min(1_000, Math.max(0, deadline - performance.now())));
    bulk.forEach((writer) => writer.stop());
    await attacker.stop();
    const [sameRoom, otherRoom] = await Promise.all([same.stop(1_000), other.stop(1_000)]);
    const rssPeakBytes = rss.stop();
    generator.disable();
    const closed = attacker.closed;
    return {
      attack,
      ...(closed ? { closedCode: closed.code, closedName: closeCodeName(closed.code) ?? String(closed.code), closedAfterMs: closed.at - started } : {}),
      sentFrames: attacker.sentFrames,
      sentBytes: attacker.sentBytes,
      ...(attacker.reconnects === undefined ? {} : { reconnects: attacker.reconnects }),
      ...(rssBeforeBytes === undefined ? {} : { rssBeforeBytes }),
      ...(rssPeakBytes === undefined ? {} : { rssPeakBytes }),
      sameRoom,
      otherRoom,
      generatorStallMs: generator.max / 1e6,
    };
  } finally {
    same.destroy();
    other.destroy();
    extras.forEach((c) => c.destroy());
  }
}

interface AttackerContext extends AttackScenarioOptions {
  docId: string;
  random: Random;
  /** The honest editor whose Yjs client id a forger takes. */
  victim: BenchClient;
}

async function startAttacker(attack: BenchAttack, context: AttackerContext): Promise<Attacker> {
  const { random } = context;
  // One user, one token: a room token opens any number of sockets while it is valid.
  const token = (await (attack === "viewer-write-flood" ? context.viewerParams : context.editorParams)(context.docId))[ROOM_TOKEN_PARAM];
  const openSocket = (): Promise<RawSocket> => rawSocket(context.partyUrl, context.docId, token);
  const peer = await openSocket();
  let running = true;
  let draining = false;
  const attacker: Attacker = { sentFrames: 0, sentBytes: 0, stop: async () => {} };
  // Only the room's close counts, not the attacker's own hang-up at the end.
  void peer.closed.then(({ code }) => {
    if (running || draining) attacker.closed ??= { code, at: performance.now() };
  });
  /** Sends on one of the attacker's sockets while it runs and the socket is open, and counts what it sent. */
  const sendOn = (socket: RawSocket, frame: Uint8Array | string): void => {
    if (!running || socket.socket.readyState !== socket.socket.OPEN) return;
    socket.socket.send(frame);
    attacker.sentFrames++;
    attacker.sentBytes += typeof frame === "string" ? frame.length : frame.byteLength;
  };
  const send = (frame: Uint8Array) => {
    if (!attacker.closed) sendOn(peer, frame);
  };
  /** Runs `tick` every `everyMs` until stopped or closed, never with over 4 MB waiting in its own send buffer. */
  const every = (everyMs: number, tick: () => void): Promise<void> =>
    (async () => {
      while (running && !attacker.closed) {
        if (peer.socket.bufferedAmount < 4 * 1024 * 1024) tick();
        await sleep(everyMs);
      }
    })();

  let done: Promise<void>;
  switch (attack) {
    case "control": {
      const id = randomClientId(random);
      let clock = 0;
      done = every(1_000, () => send(awarenessFrame([{ clientId: id, clock: ++clock, state: { cursor: null } }])));
      break;
    }
    case "slow-reader": {
      // Never reads what the room sends, yet stays lively: an awareness ping every second.
      peer.socket.pause();
      const id = randomClientId(random);
      let clock = 0;
      done = every(1_000, () => send(awarenessFrame([{ clientId: id, clock: ++clock, state: { cursor: null } }])));
      break;
    }
    case "awareness-amplification": {
      // 230 new client ids in every frame, 20 frames a second, each a cursor for everyone to draw.
      const base = randomClientId(random);
      let clock = 0;
      done = every(50, () => {
        clock++;
        send(awarenessFrame(Array.from({ length: 230 }, (_, i) => ({ clientId: base + clock * 230 + i, clock: 1, state: { cursor: { anchor: clock, head: i } } }))));
      });
      break;
    }
    case "viewer-write-flood": {
      // A viewer's writes are never applied; each frame is 450,000 one-unit structs (~900 KB).
      const id = randomClientId(random);
      let n = 0;
      done = every(10, () => send(updateFrame(tinyStructsUpdate(id, 450_000, 450_000 * n++))));
      break;
    }
    case "editor-struct-flood": {
      // The viewer's flood from an editor, whose updates are applied: 450,000 one-unit structs a frame.
      const id = randomClientId(random);
      let n = 0;
      done = every(10, () => send(updateFrame(tinyStructsUpdate(id, 450_000, 450_000 * n++))));
      break;
    }
    case "pending-structs": {
      const pending = pendingUpdates(randomClientId(random));
      // ~2.5 MB/s: in 15 s about the 36 MB issue 8 planted.
      done = every(200, () => send(updateFrame(pending.next(512 * 1024))));
      break;
    }
    case "forged-client-id":
      // The honest probe's own id, at the clocks it is about to use: a room that takes this drops its edits.
      // Only once the probe wrote under its id: an id nobody wrote under yet belongs to nobody.
      done = every(100, () => {
        const { doc } = context.victim;
        if (Y.getState(doc.store, doc.clientID) > 0) send(updateFrame(forgedUpdate(doc, doc.clientID, "[forged]")));
      });
      break;
    case "upload-hoard": {
      // One user's sockets, each announcing a document-sized chunked upload (8 MiB in 9 slices) and sending
      // all but its last slice: without a room-wide bound, 32 of them hold 256 MB of an object's 128 MB.
      const sockets = [peer, ...(await Promise.all(Array.from({ length: 31 }, () => openSocket().catch(() => undefined))))].filter((s): s is RawSocket => s !== undefined);
      for (const socket of sockets.slice(1)) {
        void socket.closed.then(({ code }) => {
          if (running) attacker.closed ??= { code, at: performance.now() };
        });
      }
      const size = 8 * 1024 * 1024;
      const slice = new Uint8Array(1_000_000);
      const count = Math.ceil(size / slice.byteLength);
      const sent = new Map<RawSocket, number>();
      for (const socket of sockets) {
        if (socket.socket.readyState !== socket.socket.OPEN) continue;
        sendOn(socket, `${CHUNKED_UPLOAD_MARKER}#${JSON.stringify({ id: `hoard${sent.size}`, type: "start", size, count })}`);
        sent.set(socket, 0);
      }
      attacker.runsToEnd = true; // the sockets the room kept go on sending after one was closed
      done = (async () => {
        // One slice every 50 ms, round the sockets: 20 MB in one go would stall this process, not the room.
        const open = [...sent.keys()];
        for (let i = 0; running; i++) {
          const socket = open[i % open.length]!;
          const slices = sent.get(socket)!;
          if (socket.socket.readyState === socket.socket.OPEN && slices < count - 1) {
            sendOn(socket, slice);
            sent.set(socket, slices + 1);
          }
          await sleep(50);
        }
        for (const socket of open) socket.socket.terminate();
      })();
      break;
    }
    case "garbage":
      // A broken client that retries as providers do: after each close it connects again and sends garbage.
      attacker.reconnects = 0;
      attacker.runsToEnd = true;
      done = (async () => {
        let socket = peer;
        while (running) {
          sendOn(socket, garbageFrame(random, 64));
          const closed = await Promise.race([socket.closed.then(() => true), sleep(50).then(() => false)]);
          if (closed && running) {
            socket = await openSocket();
            attacker.reconnects!++;
          }
        }
        socket.socket.terminate();
      })();
      break;
  }
  attacker.stop = async () => {
    running = false;
    await done;
    if (attack === "slow-reader" && !attacker.closed) {
      // Read what piled up: a close the room sent waits behind it.
      draining = true;
      peer.socket.resume();
      await Promise.race([peer.closed, sleep(5_000)]);
      draining = false;
    }
    peer.socket.terminate();
  };
  return attacker;
}

/**
 * Honest bulk traffic for the slow reader not to read: 8 KB inserted and deleted every 20 ms (~400 KB/s,
 * under the per-connection byte rate a room may enforce); four of them make ~1.6 MB/s towards every peer.
 */
function bulkWriter(client: BenchClient): { stop(): void } {
  const chunk = "b".repeat(8 * 1024);
  const timer = setInterval(() => {
    client.text.insert(0, chunk);
    client.text.delete(0, chunk.length);
  }, 20);
  return { stop: () => clearInterval(timer) };
}
