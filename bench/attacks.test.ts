import { CloseCode } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startParty } from "../tools/stack/servers.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { clientFactory } from "./clients.ts";
import { attackLine } from "./report.ts";
import { BENCH_ATTACKS, runAttacks } from "./scenarios/attacks.ts";
import { signingTokens } from "./tokens.ts";

/**
 * The attack scenario of `npm run bench` for a second per attack, on a party of its own (an attack must not
 * slow the shared party other suites use). It checks that the tool measures: probes deliver, memory is read
 * from workerd, and the attacker's fate is recorded. Whether each attack is closed is the fault harness's
 * business (party/fault-harness.test.ts).
 */
const { databaseUrl, wsProxy, roomTokenSecret, internalSecret } = inject("stack");
const persistDir = mkdtempSync(join(tmpdir(), "collab-bench-attacks-"));
let party: Service;
let partyUrl = "";

beforeAll(async () => {
  const port = await freePort();
  party = await startParty({ databaseUrl, wsProxy, roomTokenSecret, internalSecret, port, persistDir, vars: { PRESENCE: "off" }, quiet: process.env.STACK_LOGS !== "1" });
  partyUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await party?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

describe("bench attack scenario", () => {
  it("runs every attack and reports memory, stalls and the attacker's close code", { timeout: 120_000 }, async () => {
    const target = { name: "collab", url: partyUrl, protocol: "y-websocket" as const, party: "main", params: signingTokens(roomTokenSecret) };
    const results = await runAttacks({
      factory: clientFactory(target),
      partyUrl,
      editorParams: signingTokens(roomTokenSecret, "editor"),
      viewerParams: signingTokens(roomTokenSecret, "viewer"),
      seconds: 1,
      roomPrefix: `smoke-attack-${Date.now().toString(36)}`,
      seed: 1,
      serverPgid: () => party.child.pid,
    });
    for (const r of results) console.log(attackLine(r));
    expect(results.map((r) => r.attack)).toEqual([...BENCH_ATTACKS]);
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.sentFrames).toBeGreaterThan(0);
      expect(r.rssPeakBytes).toBeGreaterThan(10 * 2 ** 20);
      // The probe in another room is the control: it keeps delivering whatever happens here.
      expect(r.otherRoom!.delivered).toBeGreaterThan(0);
    }
    expect(results.find((r) => r.attack === "garbage")?.closedCode).toBe(CloseCode.MalformedMessage);
    // The control is an honest idle peer: nobody closes it.
    expect(results.find((r) => r.attack === "control")?.closedCode).toBeUndefined();
  });
});
