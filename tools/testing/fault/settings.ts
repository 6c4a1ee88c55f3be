import { randomSeed } from "../../random.ts";
import { ATTACKS, DEFAULT_ATTACKS, type Attack } from "./hostile.ts";

/**
 * The fault harness's settings, read once from the environment (`npm run fault` sets them from its flags):
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `FAULT_SEED` | random | the run's seed; session k uses a stream derived from it and k |
 * | `FAULT_SESSIONS` | 4 | sessions to run (CI); `npm run fault -- --sessions 1000` for a long run |
 * | `FAULT_FIRST` | 0 | index of the first session: `FAULT_SEED=s FAULT_FIRST=k FAULT_SESSIONS=1` replays session k |
 * | `FAULT_MINUTES` | none | stop starting sessions after this many minutes (long runs) |
 * | `FAULT_ATTACKS` | all six | comma-separated hostile peers (`none` for none) |
 */
export interface FaultSettings {
  seed: number;
  sessions: number;
  first: number;
  minutes: number | undefined;
  attacks: readonly Attack[];
}

export function readFaultSettings(env: Record<string, string | undefined> = process.env): FaultSettings {
  const int = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
    return value;
  };
  const attacks = env.FAULT_ATTACKS === undefined || env.FAULT_ATTACKS === "" ? DEFAULT_ATTACKS : env.FAULT_ATTACKS === "none" ? [] : env.FAULT_ATTACKS.split(",").map((a) => a.trim());
  for (const attack of attacks) if (!(ATTACKS as readonly string[]).includes(attack)) throw new Error(`FAULT_ATTACKS: unknown attack "${attack}" (known: ${ATTACKS.join(", ")})`);
  const minutes = env.FAULT_MINUTES ? Number(env.FAULT_MINUTES) : undefined;
  if (minutes !== undefined && !(minutes > 0)) throw new Error(`FAULT_MINUTES must be a positive number, got "${env.FAULT_MINUTES}"`);
  return { seed: int("FAULT_SEED", randomSeed()), sessions: int("FAULT_SESSIONS", 4), first: int("FAULT_FIRST", 0), minutes, attacks: attacks as Attack[] };
}
