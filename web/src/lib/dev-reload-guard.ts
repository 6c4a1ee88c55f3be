/**
 * In `npm run dev`, Vite reloads every open page when its server restarts (the dev runner restarting a
 * service, a closed terminal) or when a file outside the module graph changes. A reload while changes are
 * not yet acknowledged by the room would throw away the tab's state; with the local copy nothing would be
 * lost, but the page should not gamble on it. Vite awaits its listeners before reloading (`vite:ws:disconnect`,
 * then polls for the server; `vite:beforeFullReload`), so the listener below holds the reload until every
 * open document says it has nothing unsynced. Production builds have no `import.meta.hot`: this is dev only.
 */
const sources = new Set<() => number>();

/** Registers an open document's unsynced count; call the returned function when it closes. */
export function holdDevReloads(unsynced: () => number): () => void {
  sources.add(unsynced);
  return () => sources.delete(unsynced);
}

function unsyncedTotal(): number {
  let total = 0;
  for (const source of sources) total += source();
  return total;
}

async function whenNothingUnsynced(): Promise<void> {
  if (unsyncedTotal() === 0) return;
  console.info("[collab] holding Vite's reload until your changes reach the room");
  while (unsyncedTotal() > 0) await new Promise((resolve) => setTimeout(resolve, 250));
}

if (import.meta.hot) {
  import.meta.hot.on("vite:ws:disconnect", whenNothingUnsynced);
  import.meta.hot.on("vite:beforeFullReload", whenNothingUnsynced);
}
