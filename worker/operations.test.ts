import { AdminCloseResponse, AdminRoomsResponse, CloseCode, ErrorBody } from "@collab/protocol";
import { describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { waitFor, waitForAsync } from "../tools/testing/clients.ts";
import { roomClients } from "../tools/testing/room-clients.ts";
import { snapshotText } from "../tools/testing/snapshots.ts";

/**
 * Operations (issue 10) against the real stack: /api/metrics behind METRICS_TOKEN, a room's counters
 * moving while a client types (they travel room → presence store → worker), request ids, and the admin
 * endpoints for an admin (ADMIN_USERS), the metrics token, and a normal user.
 */
const { partyUrl, workerUrl, metricsToken, adminUsers, databaseUrl, wsProxy } = inject("stack");
const join = roomClients(partyUrl);

const metrics = (token = metricsToken) => fetch(`${workerUrl}/api/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** The value of one sample, e.g. `collab_room_updates_received_total{room="x"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((entry) => entry.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("GET /api/metrics", () => {
  it.each([
    ["no token", undefined],
    ["a wrong token", "x".repeat(43)],
    ["a session-shaped token", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"],
  ])("answers 401 to %s", async (_, token) => {
    const response = await fetch(`${workerUrl}/api/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect(response.status).toBe(401);
    expect(ErrorBody.parse(await response.json()).error.code).toBe("unauthorized");
  });

  it("answers the Prometheus text format to the right token, with request counts and a latency histogram", async () => {
    await fetch(`${workerUrl}/api/health`);
    const response = await metrics();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await response.text();
    expect(text).toContain("# TYPE collab_http_requests_total counter");
    expect(text).toMatch(/^collab_http_requests_total\{method="GET",route="\/api\/health",status="200",instance="[0-9a-f]+"\} \d+$/m);
    expect(text).toMatch(/^collab_http_request_duration_seconds_bucket\{method="GET",route="\/api\/health",instance="[0-9a-f]+",le="\+Inf"\} \d+$/m);
    expect(text).toContain("collab_room_metrics_up 1");
    expect(text).toContain("# TYPE collab_updates_received_total counter");
  });

  it("shows a room's counters move while a client types", { timeout: 60_000 }, async () => {
    const owner = await signUp(workerUrl, "metrics");
    const docId = await owner.createDocument();
    const writer = join(owner, docId);
    await writer.synced;
    const series = (name: string) => `collab_room_${name}{room="${docId}"}`;
    const read = async () => {
      const text = await (await metrics()).text();
      return {
        text,
        updates: sample(text, series("updates_received_total")),
        bytes: sample(text, series("bytes_received_total")),
        writes: sample(text, series("storage_writes_total")),
        connections: sample(text, series("connections")),
        totalUpdates: sample(text, "collab_updates_received_total"),
      };
    };
    let before = await read();
    const started = Date.now();
    for (let i = 0; i < 20; i++) writer.text.insert(writer.text.length, `line ${i}\n`);
    await waitForAsync(async () => (before = await read()).updates >= 1, "the room's updates in /api/metrics", 30_000, 250);
    console.log(`[metrics] first report seen ${Date.now() - started} ms after typing: updates ${before.updates}, bytes ${before.bytes}, storage writes ${before.writes}, connections ${before.connections}`);
    expect(before.connections).toBe(1);
    expect(before.bytes).toBeGreaterThan(0);
    expect(before.writes).toBeGreaterThanOrEqual(1);
    // Typing on: every counter of the room grows, and the total with it.
    for (let i = 0; i < 20; i++) {
      writer.text.insert(0, "x");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    let after = before;
    await waitForAsync(async () => (after = await read()).updates >= before.updates + 20, "more updates after more typing", 30_000, 250);
    console.log(`[metrics] after 20 more keystrokes: updates ${before.updates} → ${after.updates}, bytes ${before.bytes} → ${after.bytes}, writes ${before.writes} → ${after.writes}`);
    expect(after.bytes).toBeGreaterThan(before.bytes);
    expect(after.writes).toBeGreaterThan(before.writes);
    expect(after.totalUpdates).toBeGreaterThanOrEqual(after.updates);
    // Leaving: the room reports no connections (its counters stay, as counters must).
    writer.destroy();
    await waitForAsync(async () => (after = await read()).connections === 0, "connections back to 0", 30_000, 250);
    expect(after.updates).toBeGreaterThanOrEqual(before.updates + 20);
    console.log(after.text.split("\n").filter((line) => line.includes(docId) || line.startsWith("collab_rooms_open") || line.startsWith("collab_closes")).join("\n"));
  });
});

describe("request ids", () => {
  it("echoes cf-ray as x-request-id, or makes one up", async () => {
    const given = await fetch(`${workerUrl}/api/health`, { headers: { "cf-ray": "8d1f2c3b4a5e6f70-AMS" } });
    expect(given.headers.get("x-request-id")).toBe("8d1f2c3b4a5e6f70-AMS");
    const made = await fetch(`${workerUrl}/api/nope`);
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await fetch(`${workerUrl}/api/health`, { headers: { "cf-ray": '"} {"level":"error"' } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("admin endpoints", () => {
  it("refuse anonymous callers (401) and normal users (403)", async () => {
    const someone = await signUp(workerUrl, "notadmin");
    const docId = await someone.createDocument();
    const calls: Array<[string, string]> = [["GET", "/api/admin/rooms"], ["POST", `/api/admin/rooms/${docId}/snapshot`], ["POST", `/api/admin/rooms/${docId}/close`]];
    for (const [method, path] of calls) {
      expect((await fetch(`${workerUrl}${path}`, { method })).status, `${method} ${path} anonymous`).toBe(401);
      const response = await someone.request(path, { method });
      expect(response.status, `${method} ${path} as a normal user`).toBe(403);
      expect(ErrorBody.parse(await response.json()).error.code).toBe("forbidden");
    }
  });

  it("let an admin list rooms with their users, force a snapshot, and close a room's sockets (4000)", { timeout: 60_000 }, async () => {
    expect(adminUsers).toMatch(/^admin_/);
    const admin = await signUp(workerUrl, "admin", adminUsers);
    const owner = await signUp(workerUrl, "roomowner");
    const docId = await owner.createDocument();
    const writer = join(owner, docId);
    await writer.synced;
    writer.text.insert(0, "forced snapshot");

    await waitForAsync(async () => {
      const body = AdminRoomsResponse.parse(await (await admin.request("/api/admin/rooms")).json());
      return body.rooms.some((room) => room.id === docId && room.users.some((user) => user.id === owner.id && user.connections === 1));
    }, "the room listed with its user", 10_000, 200);
    // The metrics token works as well as an admin's session.
    const byToken = await fetch(`${workerUrl}/api/admin/rooms`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(byToken.status).toBe(200);
    expect(AdminRoomsResponse.parse(await byToken.json()).rooms.map((room) => room.id)).toContain(docId);

    // Sent before the debounce (2 s) would write it: the text is in Postgres when the call returns.
    await waitFor(() => writer.provider.synced, "synced");
    const snapshot = await admin.request(`/api/admin/rooms/${docId}/snapshot`, { method: "POST" });
    expect(snapshot.status).toBe(200);
    expect(await snapshot.json()).toEqual({ saved: true });
    // Postgres itself: the API would answer with the live room's text.
    expect(await snapshotText({ databaseUrl, wsProxy }, docId)).toBe("forced snapshot");
    expect((await admin.request(`/api/admin/rooms/no-such-document-${Date.now()}/snapshot`, { method: "POST" })).status).toBe(404);

    const closed = new Promise<number>((resolve) => writer.provider.once("connection-close", (event: { code: number }) => resolve(event.code)));
    const close = await fetch(`${workerUrl}/api/admin/rooms/${docId}/close`, {
      method: "POST",
      headers: { authorization: `Bearer ${metricsToken}`, "content-type": "application/json" },
      body: JSON.stringify({ reason: "maintenance" }),
    });
    expect(close.status).toBe(200);
    expect(AdminCloseResponse.parse(await close.json())).toEqual({ closed: 1 });
    expect(await closed).toBe(CloseCode.ClosedByAdmin);
    // Not fatal: the client comes back by itself.
    await waitFor(() => writer.provider.wsconnected, "the client reconnected", 15_000);
    // The close is counted by code, in the room's series and in the total.
    const closes = `collab_room_closes_total{room="${docId}",code="4000",name="ClosedByAdmin"}`;
    let text = "";
    await waitForAsync(async () => sample((text = await (await metrics()).text()), closes) === 1, "the admin close in /api/metrics", 30_000, 250);
    expect(sample(text, 'collab_closes_total{code="4000",name="ClosedByAdmin"}')).toBeGreaterThanOrEqual(1);
    // The README's sample.
    const wanted = (line: string) => line.includes(docId) || /^(# (HELP|TYPE) )?collab_(rooms_open|connections|updates_received_total|closes_total|room_metrics_up)\b/.test(line) || /route="\/api\/(health|documents\/:id\/token)"/.test(line);
    console.log(text.split("\n").filter(wanted).join("\n"));
  });
});
