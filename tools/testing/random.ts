import { createRandom, randomSeed, type Random } from "../random.ts";

/**
 * Seeded randomness for tests: `SEED=<n>` reproduces a run; every failure message should include the seed.
 */
export function seededRandom(label: string): Random & { seed: number; pick: <T>(items: readonly T[]) => T } {
  const seed = Number(process.env.SEED ?? randomSeed());
  console.log(`${label}: seed ${seed} (rerun with SEED=${seed})`);
  const random = createRandom(seed);
  return { ...random, seed, pick: (items) => items[random.int(items.length)]! };
}
