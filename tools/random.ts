/**
 * Seeded randomness: every run prints its seed, and `--seed` replays the same positions, jitter and
 * schedule (the server's timing still varies).
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** `mean` jittered uniformly by +/- `fraction` of itself. */
  jitter(mean: number, fraction: number): number;
  /** An independent stream derived from this seed and a label, so adding a client does not shift the others. */
  fork(label: string | number): Random;
}

/** mulberry32: tiny, fast and good enough for positions and timing. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    jitter: (mean, fraction) => mean * (1 + fraction * (2 * next() - 1)),
    fork: (label) => createRandom(hash(`${seed}:${label}`)),
  };
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
