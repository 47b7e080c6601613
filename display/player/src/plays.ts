import type { PlayRecord } from "../../../schemas/screens.ts";

/**
 * Proof of play waiting to be sent, in IndexedDB (the kiosk's on-disk profile): it survives the
 * controller being gone, the network being gone, and the browser being restarted. A record leaves the
 * queue only after the controller took it; each has its own id, so one sent twice (the reply was lost)
 * is stored once there. Without IndexedDB (a private window) the queue is kept in memory.
 */
const DB = "shelfsync-player";
const STORE = "plays";

const request = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

let opened: Promise<IDBDatabase | null> | undefined;
const db = () => {
  opened ??= new Promise<IDBDatabase | null>((resolve) => {
    try {
      const open = indexedDB.open(DB, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "id" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
  return opened;
};
const memory = new Map<string, PlayRecord & { screenId: string }>();

async function tx(mode: IDBTransactionMode) {
  const d = await db();
  return d ? d.transaction(STORE, mode).objectStore(STORE) : null;
}

export async function queuePlay(screenId: string, play: PlayRecord): Promise<void> {
  const store = await tx("readwrite");
  if (store) await request(store.put({ ...play, screenId }));
  else memory.set(play.id, { ...play, screenId });
}

/** The oldest queued records of this screen, at most `limit`. */
export async function queuedPlays(screenId: string, limit = 500): Promise<PlayRecord[]> {
  const store = await tx("readonly");
  const all = store
    ? ((await request(store.getAll())) as (PlayRecord & { screenId: string })[])
    : [...memory.values()];
  return all
    .filter((p) => p.screenId === screenId)
    .sort((a, b) => a.start.localeCompare(b.start))
    .slice(0, limit)
    .map(({ screenId: _, ...p }) => p);
}

export async function removePlays(ids: readonly string[]): Promise<void> {
  const store = await tx("readwrite");
  for (const id of ids) {
    if (store) await request(store.delete(id));
    else memory.delete(id);
  }
}
