import { describe, expect, it } from "vitest";
import { loadTrace } from "../tools/traces.ts";
import { runReplay } from "./scenarios/replay.ts";
import { memoryHub } from "./testing/memory-hub.ts";

describe("trace replay", () => {
  const trace = loadTrace("sveltecomponent");

  it.each([1, 50])("reproduces endContent exactly, %i keystroke(s) per update", async (batch) => {
    const result = await runReplay(memoryHub(), { traceName: "sveltecomponent", trace, docId: `r${batch}`, batch, windowChars: 500 });
    expect(result.complete).toBe(true);
    expect(result.exact).toBe(true);
    expect(result.keystrokes).toBe(trace.txns.length);
    expect(result.updates).toBe(Math.ceil(trace.txns.length / batch));
  });

  it("stops at the time limit and still checks that the reader matches the writer", async () => {
    const result = await runReplay(memoryHub(), { traceName: "sveltecomponent", trace, docId: "limited", batch: 1, timeLimitMs: 1 });
    expect(result.complete).toBe(false);
    expect(result.exact).toBe(true);
  });
});
