import type { Db } from "./db.ts";

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
