import { CloseCode } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { randomSecrets } from "../tools/stack/index.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { startParty, startWorker } from "../tools/stack/servers.ts";
import { signUp } from "../tools/testing/accounts.ts";
import { rawSocket, waitFor } from "../tools/testing/clients.ts";

/**
 * The servers' logs are JSON lines with a request id (worker) or a room id (party) on every line. This suite
 * runs a party and a worker of its own at LOG_LEVEL=debug, so it can read what they print.
 */
const { databaseUrl, wsProxy } = inject("stack");
const persistDir = mkdtempSync(join(tmpdir(), "collab-logs-"));
const secrets = randomSecrets();
let party: Service;
let worker: Service;
let partyUrl = "";
let workerUrl = "";

beforeAll(async () => {
  const [partyPort, workerPort] = [await freePort(), await freePort()];
  partyUrl = `http://127.0.0.1:${partyPort}`;
  workerUrl = `http://127.0.0.1:${workerPort}`;
  [party, worker] = await Promise.all([
    startParty({ databaseUrl, wsProxy, roomTokenSecret: secrets.roomTokenSecret, internalSecret: secrets.internalSecret, port: partyPort, persistDir: join(persistDir, "party"), vars: { LOG_LEVEL: "debug" }, quiet: true }),
    startWorker({ databaseUrl, wsProxy, ...secrets, partyUrl, port: workerPort, inspectorPort: await freePort(), persistDir: join(persistDir, "worker"), vars: { LOG_LEVEL: "debug" }, verbose: true, quiet: true }),
  ]);
}, 180_000);

afterAll(async () => {
  if (process.env.LOGS_DEBUG) console.log(`--- worker\n${worker?.output()}\n--- party\n${party?.output()}`);
  await Promise.allSettled([worker?.stop(), party?.stop()]);
  rmSync(persistDir, { recursive: true, force: true });
});

/** The JSON log lines in a server's output (a runtime may put a prefix before them). */
function jsonLines(service: Service): Array<Record<string, unknown>> {
  return service
    .output()
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .filter((line) => line.includes('{"level":'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line.slice(line.indexOf('{"level":'))) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

describe("structured logs", () => {
  it("the worker: one JSON line per request at debug, every line with the request id it echoes", { timeout: 60_000 }, async () => {
    const rayId = `ray${Date.now().toString(16)}-TEST`;
    const response = await fetch(`${workerUrl}/api/health`, { headers: { "cf-ray": rayId } });
    expect(response.headers.get("x-request-id")).toBe(rayId);
    await waitFor(() => jsonLines(worker).some((line) => line.requestId === rayId), "the request's log line");
    const line = jsonLines(worker).find((entry) => entry.requestId === rayId)!;
    console.log(`[logs] worker: ${JSON.stringify(line)}`);
    expect(line).toMatchObject({ level: "debug", msg: "request", method: "GET", route: "/api/health", status: 200 });
    expect(typeof line.time).toBe("string");
    expect(jsonLines(worker).every((entry) => typeof entry.requestId === "string" && entry.requestId !== "")).toBe(true);
  });

  it("the rooms: every JSON line names its room, e.g. a connection closed for a malformed frame", { timeout: 60_000 }, async () => {
    const owner = await signUp(workerUrl, "logs");
    const docId = await owner.createDocument();
    // partykit dev relays a room's console from workerd, and a line printed while the relay attaches to a new
    // room is sometimes lost (about 1 run in 3, also before this suite's other changes): a few tries, each a
    // new malformed frame, each closed with 4422.
    const logged = () => jsonLines(party).some((line) => line.room === docId && line.msg === "closing a connection");
    for (let attempt = 0; attempt < 5 && !logged(); attempt++) {
      const socket = await rawSocket(partyUrl, docId, await owner.roomToken(docId));
      socket.socket.send(Buffer.from([0xff, 0x00, 0x13]));
      expect((await socket.closed).code).toBe(CloseCode.MalformedMessage);
      await waitFor(logged, "the room's log line", 3_000).catch(() => {});
    }
    await waitFor(logged, "the room's log line");
    const line = jsonLines(party).find((entry) => entry.room === docId && entry.msg === "closing a connection")!;
    console.log(`[logs] party: ${JSON.stringify(line)}`);
    expect(line).toMatchObject({ level: "warn", room: docId, code: CloseCode.MalformedMessage });
    expect(jsonLines(party).every((entry) => typeof entry.room === "string" && entry.room !== "")).toBe(true);
  });
});
