/**
 * Seeded randomness for tests: `SEED=<n>` reproduces a run; every failure message should include the seed.
 */
export function seededRandom(label: string): { seed: number; next: () => number; pick: <T>(items: readonly T[]) => T } {
  const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`${label}: seed ${seed} (rerun with SEED=${seed})`);
  let state = seed >>> 0;
  // mulberry32: small, fast, good enough to drive a test.
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, pick: (items) => items[Math.floor(next() * items.length)]! };
}
