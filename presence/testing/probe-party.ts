import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../tools/stack/servers.ts";
import { answers, freePort, startService } from "../../tools/stack/service.ts";

export interface ProbeParty {
  url: string;
  /** Runs the probe room (room-fixture/probe.ts) in document room `docId`. */
  probe(docId: string, request: { backend: "redis" | "lobby"; publishes: number; ttlSeconds: number; prefix?: string }): Promise<ProbeAnswer>;
  stop(): Promise<void>;
}

export interface ProbeAnswer {
  users: unknown[];
  active: [string, unknown[]][];
  timings: number[];
}

/** `partykit dev` on the probe fixture (with the real lobby party beside it), offline, on a free port. */
export async function startProbeParty(options: { secret: string; upstash?: { url: string; token: string } }): Promise<ProbeParty> {
  const port = await freePort();
  const persistDir = mkdtempSync(join(tmpdir(), "presence-probe-"));
  const vars: Record<string, string> = { INTERNAL_SECRET: options.secret };
  if (options.upstash) Object.assign(vars, { UPSTASH_REDIS_REST_URL: options.upstash.url, UPSTASH_REDIS_REST_TOKEN: options.upstash.token });
  const service = await startService({
    name: "probe",
    command: join(ROOT, "node_modules", ".bin", "partykit"),
    args: [
      "dev", "--port", String(port), "--persist", persistDir, "--disable-request-cf-fetch", "--no-hotkeys",
      ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}=${value}`]),
    ],
    cwd: join(import.meta.dirname, "room-fixture"),
    env: { PARTYKIT_TELEMETRY: "0", DO_NOT_TRACK: "1" },
    ready: () => answers(`http://127.0.0.1:${port}/`),
    quiet: process.env.STACK_LOGS !== "1",
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async probe(docId, request) {
      const response = await fetch(`${url}/parties/main/${docId}`, { method: "POST", body: JSON.stringify(request) });
      const body = await response.json();
      if (!response.ok) throw new Error(`probe failed (${response.status}): ${JSON.stringify(body)}\n${service.output().slice(-2_000)}`);
      return body as ProbeAnswer;
    },
    async stop() {
      await service.stop();
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
