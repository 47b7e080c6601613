import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Db } from "./db.ts";

/**
 * Where a store's screen media files live: `media/` beside the database file, so that a backup of the
 * database (controller/store/backup.ts) finds them; an in-memory database keeps them in a temporary folder.
 */
export const mediaDirFor = (dbPath: string): string =>
  dbPath === ":memory:"
    ? join(tmpdir(), `shelfsync-media-${process.pid}`)
    : join(dirname(resolve(dbPath)), "media");

/** A media file's name on disk is `{sha256}.{ext}`: the hash it is stored under, or null for any other file. */
export const mediaFileHash = (file: string): string | null =>
  /^([0-9a-f]{64})\.[a-z0-9]+$/.exec(file)?.[1] ?? null;

export interface MediaRecord {
  hash: string;
  type: string;
  size: number;
  name: string;
  uploadedAt: number;
  uploadedBy: string;
}

const COLUMNS = `hash, type, size, name, uploaded_at AS uploadedAt, uploaded_by AS uploadedBy`;

/** Media uploaded for screens (the files are on disk, controller/screens/media.ts): one row per content hash. */
export function mediaStore(db: Db) {
  const sql = db.$client;
  const insert = sql.prepare(
    `INSERT INTO screen_media (hash, type, size, name, uploaded_at, uploaded_by)
     VALUES (@hash, @type, @size, @name, @uploadedAt, @uploadedBy) ON CONFLICT (hash) DO NOTHING`,
  );
  const one = sql.prepare<[string], MediaRecord>(`SELECT ${COLUMNS} FROM screen_media WHERE hash = ?`);
  const all = sql.prepare<[], MediaRecord>(
    `SELECT ${COLUMNS} FROM screen_media ORDER BY uploaded_at DESC, hash`,
  );
  return {
    /** false if these bytes were uploaded before (the first upload's name stays). */
    add: (m: MediaRecord): boolean => insert.run(m).changes > 0,
    get: (hash: string): MediaRecord | undefined => one.get(hash),
    list: (): MediaRecord[] => all.all(),
  };
}
export type MediaStore = ReturnType<typeof mediaStore>;
