import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRandom } from "../tools/random.ts";
import { signUp } from "../tools/testing/accounts.ts";
import { FaultParty } from "../tools/testing/fault/fault-party.ts";
import { runSession, type SessionUsers } from "../tools/testing/fault/session.ts";
import { readFaultSettings } from "../tools/testing/fault/settings.ts";

/**
 * The seeded fault harness (issue 8): sessions of random honest clients, hostile peers, party SIGKILLs and
 * database outages, each ending with convergence, no acknowledged edit lost, and Postgres matching the room.
 * CI runs a few sessions; `npm run fault -- --sessions 1000` runs many (see tools/testing/fault/settings.ts).
 */
const settings = readFaultSettings();
const { databaseUrl, workerUrl, roomTokenSecret, internalSecret } = inject("stack");
const rerun = (first: number, sessions: number) => `FAULT_SEED=${settings.seed} FAULT_FIRST=${first} FAULT_SESSIONS=${sessions}`;
console.log(`fault harness: seed ${settings.seed}, sessions ${settings.first}..${settings.first + settings.sessions - 1}, attacks ${settings.attacks.join(",") || "none"} (rerun with ${rerun(settings.first, settings.sessions)})`);

let party: FaultParty;
let users: SessionUsers;

beforeAll(async () => {
  const [a, b, mallory, viewer] = await Promise.all(["fault_a", "fault_b", "mallory", "viewer"].map((label) => signUp(workerUrl, label)));
  users = { editors: [a!, b!], mallory: mallory!, viewer: viewer! };
  // Snapshots soon after edits, a load timeout that fails fast while the database is away, and a message
  // rate small enough that a flood passes it within the attack's time even on a loaded machine, where the
  // attacker sends slower (honest clients stay far below it: a few dozen frames a second at most).
  const vars = { SNAPSHOT_DEBOUNCE_MS: "200", SNAPSHOT_MAX_WAIT_MS: "2000", LOAD_TIMEOUT_MS: "3000", RATE_MESSAGES_PER_SECOND: "300", RATE_MESSAGE_BURST: "1000" };
  party = await FaultParty.start({ databaseUrl, roomTokenSecret, internalSecret, vars, quiet: process.env.STACK_LOGS !== "1" });
}, 120_000);

afterAll(async () => {
  await party?.stop();
});

describe("fault harness", () => {
  const budgetMs = settings.minutes === undefined ? Infinity : settings.minutes * 60_000;
  it(
    "honest clients converge, nothing acknowledged is lost and Postgres matches, through kills, outages and attacks",
    { timeout: Math.min(settings.sessions * 90_000, budgetMs + 120_000) + 60_000 },
    async () => {
      const started = Date.now();
      const failed: string[] = [];
      let ran = 0;
      let kills = 0;
      let outages = 0;
      let attacks = 0;
      for (let k = settings.first; k < settings.first + settings.sessions && Date.now() - started < budgetMs; k++) {
        const random = createRandom(settings.seed).fork(`session ${k}`);
        const report = await runSession({
          party,
          users,
          random,
          // Every second session kills the party and the others stop the database (and sometimes both), so a
          // few sessions cover each fault; the hostile peers take turns, two a session.
          kill: k % 2 === 1 || random.next() < 0.25,
          outage: k % 2 === 0 || random.next() < 0.25,
          attacks: settings.attacks.length ? [0, 1].map((i) => settings.attacks[(2 * k + i) % settings.attacks.length]!) : [],
        }).catch((error: Error) => ({ failures: [`session crashed: ${error.stack ?? error.message}`], summary: "", kills: 0, outages: 0, attacks: [] }));
        ran++;
        kills += report.kills;
        outages += report.outages;
        attacks += report.attacks.length;
        console.log(`session ${k}: ${report.failures.length ? `FAILED (${report.failures.join("; ")})` : "ok"}: ${report.summary}`);
        if (report.failures.length > 0) {
          failed.push(`session ${k} (${rerun(k, 1)}): ${report.failures.join("; ")}`);
          // One failure is enough to act on in CI; a long run keeps counting.
          if (settings.sessions <= 20) break;
        }
      }
      console.log(`fault harness: ${ran} sessions, ${kills} SIGKILLs, ${outages} database outages, ${attacks} hostile peers, ${failed.length} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${settings.seed})`);
      expect(failed, `seed ${settings.seed}`).toEqual([]);
    },
  );
});
