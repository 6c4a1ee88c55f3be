/**
 * Convergence: every replica of a room must hold the same text once the edits stopped and the deliveries
 * drained. A divergent room is a correctness failure, reported with how the replicas differ.
 */
export interface RoomReplicas {
  room: string;
  texts: string[];
}

export interface ConvergenceResult {
  converged: boolean;
  rooms: number;
  divergent: { room: string; distinctTexts: number; lengths: number[] }[];
}

export function checkConvergence(rooms: RoomReplicas[]): ConvergenceResult {
  const divergent: ConvergenceResult["divergent"] = [];
  for (const { room, texts } of rooms) {
    const distinct = new Set(texts);
    if (distinct.size > 1) divergent.push({ room, distinctTexts: distinct.size, lengths: texts.map((t) => t.length) });
  }
  return { converged: divergent.length === 0, rooms: rooms.length, divergent };
}

/** True when every replica holds the same text (cheap check first: lengths). */
export function replicasAgree(texts: string[]): boolean {
  const first = texts[0];
  if (first === undefined) return true;
  return texts.every((text) => text.length === first.length) && texts.every((text) => text === first);
}
