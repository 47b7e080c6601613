import { accessSync, constants, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { fromPackageRoot } from "../../lib/paths.ts";
import * as schema from "./schema.ts";
import { productSearchText } from "./search-fold.ts";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const MIGRATIONS = fromPackageRoot("controller", "store", "migrations");

/** The migrations this build knows (drizzle-kit's journal): a schema version is their count. */
function knownMigrations(): { tag: string; when: number }[] {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS}/meta/_journal.json`, "utf8")) as {
    entries: { tag: string; when: number }[];
  };
  return journal.entries;
}

/** A database written by a newer Shelfsync: its schema has migrations this build does not know. */
export class NewerDatabaseError extends Error {}

/**
 * The store's file cannot be used at all: not writable (a read-only mount, a file or folder the
 * service user may not write), not a SQLite database. Said in one line at start, with the path and
 * the setting, rather than as a stack trace from the first statement.
 */
export class UnusableDatabaseError extends Error {}

/** Why `path` cannot be opened for writing, in words an operator can act on. */
function whyNotWritable(path: string): string {
  const folder = dirname(path);
  const writable = (p: string) => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (!writable(folder))
    return `the folder ${folder} is read-only for this process (Shelfsync writes the file and, beside it, its -wal and -shm files)`;
  if (existsSync(path) && !writable(path)) return "the file is read-only for this process";
  return "the file system refused the write (a read-only mount?)";
}

function unusable(e: unknown, path: string): Error {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "string") return e as Error;
  if (
    code === "EROFS" ||
    code === "EACCES" ||
    code === "EPERM" ||
    /^SQLITE_(CANTOPEN|READONLY|PERM)/.test(code)
  )
    return new UnusableDatabaseError(
      `cannot write the store's database ${path}: ${whyNotWritable(path)} (SHELFSYNC_DB)`,
    );
  if (code === "SQLITE_NOTADB")
    return new UnusableDatabaseError(
      `${path} is not a SQLite database; point SHELFSYNC_DB at the store's file, or restore a backup (npm run backup -- --restore <file>)`,
    );
  return e as Error;
}

export interface SchemaVersion {
  /** Migrations applied to the file (0 for a new file). */
  applied: number;
  /** Migrations this build knows; `applied > known` means a newer version wrote the file. */
  known: number;
  newer: boolean;
}

/**
 * Which schema a SQLite file has, read from drizzle's migration ledger. Drizzle orders migrations by
 * their creation time and silently skips a file that is ahead of it, so the comparison is ours:
 * anything applied after our newest migration was created, or more migrations than we have, is newer.
 */
export function schemaVersion(sqlite: Database.Database): SchemaVersion {
  const known = knownMigrations();
  const hasLedger = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  const rows = hasLedger
    ? sqlite.prepare<[], { at: number }>("SELECT created_at AS at FROM __drizzle_migrations").all()
    : [];
  const newest = Math.max(0, ...known.map((m) => m.when));
  const newer = rows.length > known.length || rows.some((r) => Number(r.at) > newest);
  return { applied: rows.length, known: known.length, newer };
}

/** Refuse a file from a newer version: one line an operator can act on (the CLI prints it, exit 2). */
export function assertNotNewer(sqlite: Database.Database, path: string): void {
  const v = schemaVersion(sqlite);
  if (!v.newer) return;
  throw new NewerDatabaseError(
    `${path} was written by a newer Shelfsync (database schema ${v.applied}, this version knows ${v.known}); ` +
      "run that version or a later one, or restore a backup taken by this one (npm run backup -- --restore <file>)",
  );
}

/**
 * A runner for transactions of data that need not wait for the disk: each is committed with
 * synchronous=NORMAL (for its commit only; the file is opened FULL, below) and so without an fsync.
 * In WAL mode such a commit survives a crash of the process (kill -9): only a power loss can take
 * the last of them back. For derived data (published contents, reported states: a restart
 * recomputes and republishes, labels repeat their state) and bookkeeping written after an
 * acknowledged write (a feed batch's outcome). An fsync here costs 2-7 ms of blocked event loop,
 * paid by every 50 ms flush of state reports, every chunk of a reprice, and every single price
 * change on its way to the label. Inside another transaction `write` is simply part of that one.
 */
export function commitsWithoutFsync(sql: Database.Database): <T>(write: () => T) => T {
  const level = sql.pragma("synchronous", { simple: true }) as number;
  return <T>(write: () => T): T => {
    if (sql.inTransaction) return sql.transaction(write)();
    sql.pragma("synchronous = NORMAL");
    try {
      return sql.transaction(write)();
    } finally {
      sql.pragma(`synchronous = ${level}`);
    }
  };
}

/**
 * Open (creating if needed) the store's SQLite file and bring its schema up to date.
 * WAL lets readers (API, sync queries) run beside the writer; synchronous=FULL makes a commit
 * durable before we acknowledge it, so an acknowledged feed batch survives kill -9 and power loss.
 * A file written by a newer version is refused (NewerDatabaseError) before anything is changed.
 */
export function openDb(path: string, options: { busyTimeoutMs?: number } = {}): Db {
  let sqlite: Database.Database | undefined;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    sqlite = new Database(path);
    assertNotNewer(sqlite, path);
    // The first write: a file that cannot be written fails here, before the controller starts.
    sqlite.pragma("journal_mode = WAL");
  } catch (e) {
    sqlite?.close();
    throw unusable(e, path);
  }
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("foreign_keys = ON");
  // How long one statement waits for another process's lock, blocking the event loop meanwhile. The
  // CLIs wait 5 s; the controller waits briefly and retries asynchronously (store/faults.ts).
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  // For migration 0005, which folds the products already in the store for search.
  sqlite.function("shelfsync_search_fold", { deterministic: true }, (name: unknown, brand: unknown) =>
    productSearchText(String(name), typeof brand === "string" ? brand : null),
  );
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return db as Db;
}
