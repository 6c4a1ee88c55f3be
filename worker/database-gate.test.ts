import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DatabaseBusyError, DatabaseGate } from "./database-gate.ts";
import { isDatabaseUnavailable } from "./database-errors.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("DatabaseGate", () => {
  it("lets `connections` through at once and the rest as permits come back", async () => {
    const gate = new DatabaseGate({ connections: 2, maxWaiting: 10, waitMs: 1_000 });
    const first = await gate.acquire();
    await gate.acquire();
    const granted: number[] = [];
    const third = gate.acquire().then((release) => (granted.push(3), release));
    const fourth = gate.acquire().then((release) => (granted.push(4), release));
    await vi.advanceTimersByTimeAsync(50);
    expect([gate.active, gate.waiting, granted.length]).toEqual([2, 2, 0]);
    first();
    first(); // a second release of the same permit is ignored
    await vi.advanceTimersByTimeAsync(10);
    expect(granted.length).toBe(1);
    (granted[0] === 3 ? await third : await fourth)();
    await vi.advanceTimersByTimeAsync(10);
    expect(granted.sort()).toEqual([3, 4]);
    expect([gate.active, gate.waiting]).toEqual([2, 0]);
  });

  it("refuses at once when the queue is full, and after the wait deadline", async () => {
    const gate = new DatabaseGate({ connections: 1, maxWaiting: 1, waitMs: 500 });
    await gate.acquire();
    const waiting = gate.acquire();
    await expect(gate.acquire()).rejects.toBeInstanceOf(DatabaseBusyError);
    const refused = expect(waiting).rejects.toBeInstanceOf(DatabaseBusyError);
    await vi.advanceTimersByTimeAsync(501);
    await refused;
    expect(gate.waiting).toBe(0);
  });
});

describe("isDatabaseUnavailable", () => {
  const failedQuery = (cause: unknown) => Object.assign(new Error("Failed query: select 1\nparams: "), { cause });
  it.each([
    ["a busy gate", failedQuery(new DatabaseBusyError("busy"))],
    ["too many clients (53300)", failedQuery(Object.assign(new Error("sorry, too many clients already"), { code: "53300" }))],
    ["admin shutdown (57P01)", failedQuery(Object.assign(new Error("terminating connection"), { code: "57P01" }))],
    ["a connection failure (08006)", failedQuery(Object.assign(new Error("connection failure"), { code: "08006" }))],
    ["a transport error without SQLSTATE", failedQuery(new Error("Connection terminated unexpectedly"))],
    ["a connect timeout outside a query", new Error("timeout exceeded when trying to connect")],
  ])("is true for %s", (_, error) => expect(isDatabaseUnavailable(error)).toBe(true));

  it.each([
    ["a unique violation (23505)", failedQuery(Object.assign(new Error("duplicate key"), { code: "23505" }))],
    ["a syntax error (42601)", failedQuery(Object.assign(new Error("syntax error"), { code: "42601" }))],
    ["a plain bug", new TypeError("x is undefined")],
  ])("is false for %s", (_, error) => expect(isDatabaseUnavailable(error)).toBe(false));
});
