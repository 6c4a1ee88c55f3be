import { colorFor, DocRoot, MetaKey, RestoreNotice, ROOM_CLIENT_ID } from "@collab/protocol";
import type * as Y from "yjs";
import { restoredLabel } from "./version-groups.ts";

/** A restore to tell the reader about: "Ada restored the version from 10:42". */
export interface RestoreSeen {
  /** One notice per restore: the restored version and when. */
  key: string;
  userId: string;
  name: string;
  color: string;
  /** `“before refactor”` or "the version from 10:42". */
  label: string;
}

/** A notice older than this when it arrives is history, not news (a document opened after the restore). */
const MAX_AGE_MS = 120_000;

/**
 * Calls `onRestore` for each restore the room writes into the document's meta map from now on
 * (`RestoreNotice`, protocol/versions.ts), whoever restored and however (an editor's own, or REST alone).
 * The room writes it from the restorer's verified session under its own client id, which no connection may
 * use, so a notice under any other id is an editor's forgery and is ignored. The restorer's own tabs see it
 * too. Returns the unsubscribe.
 */
export function watchRestores(doc: Y.Doc, onRestore: (seen: RestoreSeen) => void, now: () => number = Date.now): () => void {
  const meta = doc.getMap(DocRoot.meta);
  const shown = new Set<string>();
  const observer = (event: Y.YMapEvent<unknown>) => {
    if (!event.keysChanged.has(MetaKey.restored)) return;
    if (meta._map.get(MetaKey.restored)?.id.client !== ROOM_CLIENT_ID) return;
    const seen = restoreSeen(meta.get(MetaKey.restored), now());
    if (!seen || shown.has(seen.key)) return;
    shown.add(seen.key);
    onRestore(seen);
  };
  meta.observe(observer);
  return () => meta.unobserve(observer);
}

/** The notice as the reader sees it, or undefined when it is malformed or too old to be news. */
export function restoreSeen(value: unknown, now: number): RestoreSeen | undefined {
  const parsed = RestoreNotice.safeParse(value);
  if (!parsed.success) return undefined;
  const notice = parsed.data;
  if (now - notice.at > MAX_AGE_MS) return undefined;
  return {
    key: `${notice.versionId}@${notice.at}`,
    userId: notice.userId,
    name: notice.name,
    color: colorFor(notice.userId).color,
    label: restoredLabel({ name: notice.named ? notice.restoredFrom : null, createdAt: notice.restoredFrom }),
  };
}
