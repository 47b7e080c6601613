import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import Database from "better-sqlite3";
import { assertNotNewer, schemaVersion } from "./db.ts";
import { mediaDirFor, mediaFileHash } from "./media.ts";

/**
 * Backups of the store's SQLite file, taken while the controller runs, and their restore.
 *
 * A backup is `VACUUM INTO` a temporary file beside the target, then renamed into place: one read
 * transaction, so the copy is exactly the database as of one commit (a feed batch is in it whole or
 * not at all), and in WAL mode the controller keeps reading and writing meanwhile. The copy is a
 * compact, self-contained file (no -wal beside it), checked with `PRAGMA integrity_check`.
 *
 * Screen media (images and videos uploaded for playlists) are files beside the database, named by
 * their content hash and never changed once written. A backup copies the ones its database copy names
 * (screen_media rows) into `<file>.media/`, after the copy was taken: a file uploaded later is not
 * named by that copy, so the two always agree. A restore puts them back beside the database.
 */

export interface DatabaseSummary {
  bytes: number;
  /** Migrations applied (the schema version). */
  schema: number;
  products: number;
  labels: number;
  priceHistory: number;
  auditEntries: number;
  /** Screen media files the database names (0 for a database from before screens had media). */
  media: number;
}

export class BackupError extends Error {}

const COUNTS = {
  products: "products",
  labels: "labels",
  priceHistory: "price_history",
  auditEntries: "audit_log",
} as const;

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The content hashes of the media a database names; none before migration 0011 made the table. */
function mediaHashes(sqlite: Database.Database): Set<string> {
  const table = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'screen_media'")
    .get();
  if (!table) return new Set();
  return new Set(
    (sqlite.prepare("SELECT hash FROM screen_media").all() as { hash: string }[]).map((r) => r.hash),
  );
}

/** The folder a backup's media files go in, beside the backup file. */
export const backupMediaDir = (backupFile: string) => `${backupFile}.media`;

/**
 * Copy the media files named by `hashes` from `from` into `to` (created; files already there are
 * kept: same name, same bytes). A named file missing from `from` is an error: the backup would be
 * incomplete. Each copy is synced, so a backup reported done is on disk.
 */
function copyMedia(hashes: Set<string>, from: string, to: string): number {
  if (hashes.size === 0) return 0;
  const present = new Map<string, string>();
  for (const f of existsSync(from) ? readdirSync(from) : []) {
    const h = mediaFileHash(f);
    if (h && hashes.has(h)) present.set(h, f);
  }
  const missing = [...hashes].filter((h) => !present.has(h));
  if (missing.length > 0) {
    throw new BackupError(
      `${missing.length} media file(s) the database names are missing from ${from} (first: ${missing[0]})`,
    );
  }
  mkdirSync(to, { recursive: true });
  for (const f of present.values()) {
    const target = join(to, f);
    if (existsSync(target)) continue;
    const partial = join(to, `.${f}.partial-${process.pid}`);
    copyFileSync(join(from, f), partial);
    fsyncPath(partial);
    renameSync(partial, target);
  }
  fsyncPath(to);
  return present.size;
}

/** Check a database file whole and say what it holds. */
export function inspectDatabase(path: string): DatabaseSummary {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const check = sqlite.pragma("integrity_check", { simple: true });
    if (check !== "ok") throw new BackupError(`${path} is damaged: integrity_check says ${String(check)}`);
    const count = (table: string) =>
      (sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      bytes: statSync(path).size,
      schema: schemaVersion(sqlite).applied,
      products: count(COUNTS.products),
      labels: count(COUNTS.labels),
      priceHistory: count(COUNTS.priceHistory),
      auditEntries: count(COUNTS.auditEntries),
      media: mediaHashes(sqlite).size,
    };
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw new BackupError(`${path} is not a Shelfsync database: ${(e as Error).message}`);
  } finally {
    sqlite.close();
  }
}

/** A consistent copy of the live database at `dbPath` in `target` (which must not exist unless `overwrite`). */
export function backupDatabase(dbPath: string, target: string, options: { overwrite?: boolean } = {}) {
  if (!existsSync(dbPath)) throw new BackupError(`no database at ${dbPath} (set SHELFSYNC_DB or --db)`);
  if (existsSync(target) && !options.overwrite) {
    throw new BackupError(`${target} exists; choose another file or add --force to replace it`);
  }
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  rmSync(partial, { force: true });
  // Not read-only: a WAL database is read through its shared-memory index, which a reader may need to create.
  const source = new Database(dbPath, { fileMustExist: true });
  try {
    source.pragma("busy_timeout = 5000");
    source.prepare("VACUUM INTO ?").run(partial);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new BackupError(`backup of ${dbPath} failed: ${(e as Error).message}`);
  } finally {
    source.close();
  }
  try {
    const summary = inspectDatabase(partial);
    const copy = new Database(partial, { readonly: true, fileMustExist: true });
    let hashes: Set<string>;
    try {
      hashes = mediaHashes(copy);
    } finally {
      copy.close();
    }
    if (options.overwrite) rmSync(backupMediaDir(target), { recursive: true, force: true });
    copyMedia(hashes, mediaDirFor(dbPath), backupMediaDir(target));
    fsyncPath(partial);
    renameSync(partial, target);
    fsyncPath(dirname(target));
    return summary;
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}

/** True when some process has the database open (a controller in WAL mode holds it open while it runs). */
function inUse(dbPath: string): boolean {
  const probe = new Database(dbPath, { fileMustExist: true, timeout: 200 });
  try {
    probe.pragma("locking_mode = EXCLUSIVE");
    probe.exec("BEGIN EXCLUSIVE");
    probe.exec("COMMIT");
    return false;
  } catch (e) {
    if ((e as { code?: string }).code === "SQLITE_BUSY") return true;
    throw e;
  } finally {
    probe.close();
  }
}

/**
 * Put a backup in place of the database at `dbPath`. Refused while anything has the database open
 * (stop the controller first), for a damaged file, and for a backup from a newer version. The current
 * database, if any, is checkpointed and kept beside it as `<name>.before-restore-<time>`.
 */
export function restoreDatabase(backup: string, dbPath: string, now = new Date()) {
  if (!existsSync(backup)) throw new BackupError(`no backup at ${backup}`);
  const summary = inspectDatabase(backup);
  const check = new Database(backup, { readonly: true });
  let hashes: Set<string>;
  try {
    assertNotNewer(check, backup);
    hashes = mediaHashes(check);
  } finally {
    check.close();
  }
  let keptAs: string | null = null;
  if (existsSync(dbPath)) {
    if (inUse(dbPath)) {
      throw new BackupError(
        `${dbPath} is in use (is the controller running?); stop it before restoring (systemctl stop shelfsync)`,
      );
    }
    // Fold the write-ahead log into the file, so the kept copy is whole on its own.
    const current = new Database(dbPath, { fileMustExist: true });
    try {
      current.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      current.close();
    }
    keptAs = `${dbPath}.before-restore-${now.toISOString().replace(/[:.]/g, "-")}`;
    renameSync(dbPath, keptAs);
  }
  mkdirSync(dirname(dbPath), { recursive: true });
  // A -wal or -shm left beside the old file would be read as part of the restored one: remove them.
  for (const suffix of ["-wal", "-shm", "-journal"]) rmSync(`${dbPath}${suffix}`, { force: true });
  // The media first: a database that names a file is never in place without it.
  copyMedia(hashes, backupMediaDir(backup), mediaDirFor(dbPath));
  const partial = join(dirname(dbPath), `.${basename(dbPath)}.restoring-${process.pid}`);
  copyFileSync(backup, partial);
  fsyncPath(partial);
  renameSync(partial, dbPath);
  fsyncPath(dirname(dbPath));
  return { summary, keptAs };
}
