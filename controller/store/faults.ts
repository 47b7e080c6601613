import { statSync } from "node:fs";
import type { Logger } from "../../lib/log.ts";

/**
 * What can go wrong with the SQLite file that is not a bug of ours: another process holds the write
 * lock (the import CLI with --direct, a backup tool), the disk is full, the file or its folder turned
 * read-only, an I/O error, or the file was deleted or replaced under the running controller. Each is
 * classified once here, so the HTTP layer answers 503 with a reason, background writers retry later,
 * and `/api/v1/health` raises an alarm, instead of an exception taking the process down.
 */
export type DbFaultKind = "busy" | "full" | "read_only" | "io" | "missing";

export interface DbFault {
  kind: DbFaultKind;
  /** SQLite's extended result code, e.g. SQLITE_BUSY, SQLITE_FULL, SQLITE_READONLY_DBMOVED. */
  code: string;
  /** One sentence for an operator (the API's error message, the health alarm, the log line). */
  reason: string;
}

/** The alarm code of each kind, as shown in health and in 503 replies (`error.code`). */
export const FAULT_CODES: Record<DbFaultKind, string> = {
  busy: "database_busy",
  full: "database_full",
  read_only: "database_read_only",
  io: "database_io_error",
  missing: "database_file_missing",
};

const REASONS: Record<DbFaultKind, string> = {
  busy: "the database is locked by another process (a direct import or a backup tool?); writes wait and are retried",
  full: "the disk (or the database's size limit) is full; nothing new can be stored until space is freed",
  read_only: "the database file or its folder is read-only; nothing new can be stored",
  io: "the database file cannot be read or written (I/O error)",
  missing:
    "the database file was deleted or replaced while the controller runs; restart it once the file is back",
};

/** Classify an error thrown by better-sqlite3 (or drizzle around it); null for anything else. */
export function dbFaultOf(e: unknown): DbFault | null {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("SQLITE_")) continue;
    const kind: DbFaultKind | null =
      code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")
        ? "busy"
        : code === "SQLITE_FULL" || code === "SQLITE_IOERR_WRITE_FULL"
          ? "full"
          : code === "SQLITE_READONLY_DBMOVED"
            ? "missing"
            : code.startsWith("SQLITE_READONLY") || code === "SQLITE_PERM"
              ? "read_only"
              : code.startsWith("SQLITE_IOERR") || code.startsWith("SQLITE_CANTOPEN")
                ? "io"
                : null;
    if (kind) return { kind, code, reason: REASONS[kind] };
  }
  return null;
}

/** A write gave up: the fault persisted longer than the configured wait. */
export class DbUnavailableError extends Error {
  constructor(readonly fault: DbFault) {
    super(fault.reason);
  }
}

export interface DbAlarm {
  code: string;
  message: string;
  /** SQLite's result code of the last occurrence (absent for the file check). */
  sqliteCode?: string;
  /** Where it happened last: `state flush`, `POST /api/v1/feeds/prices`, … */
  where: string;
  since: string;
  lastAt: string;
  count: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The store's fault watch: the alarms health shows, the log line of each fault (once per alarm, then
 * at most every minute, so a locked database does not flood the log), and a check every few seconds
 * that the database path still names the file the controller opened.
 */
export function dbWatch(deps: {
  path: string;
  log: Pick<Logger, "warn" | "info">;
  /** How long a write waits for a lock held by another process before it is answered 503. */
  busyWaitMs: number;
  now?: () => number;
  checkEveryMs?: number;
}) {
  const now = deps.now ?? Date.now;
  const alarms = new Map<DbFaultKind, DbAlarm & { loggedAt: number }>();
  const onClear: (() => void)[] = [];
  const fileId = (): string | null => {
    if (deps.path === ":memory:") return "memory";
    try {
      const s = statSync(deps.path);
      return `${s.dev}:${s.ino}`;
    } catch {
      return null;
    }
  };
  const opened = fileId();

  const raise = (fault: DbFault, where: string): void => {
    const t = now();
    const at = new Date(t).toISOString();
    const a = alarms.get(fault.kind);
    if (a) {
      a.count++;
      a.lastAt = at;
      a.where = where;
      if (fault.code) a.sqliteCode = fault.code;
      if (t - a.loggedAt < 60_000) return;
      a.loggedAt = t;
    } else {
      alarms.set(fault.kind, {
        code: FAULT_CODES[fault.kind],
        message: fault.reason,
        ...(fault.code ? { sqliteCode: fault.code } : {}),
        where,
        since: at,
        lastAt: at,
        count: 1,
        loggedAt: t,
      });
    }
    deps.log.warn(`database fault: ${fault.reason}`, {
      alarm: FAULT_CODES[fault.kind],
      sqliteCode: fault.code || undefined,
      where,
      count: alarms.get(fault.kind)?.count,
    });
  };

  /** A write went through: the transient alarms (lock, full, read-only, I/O) are over. */
  const ok = (): void => {
    let cleared = false;
    for (const kind of ["busy", "full", "read_only", "io"] as const) {
      const a = alarms.get(kind);
      if (!a) continue;
      alarms.delete(kind);
      cleared = true;
      deps.log.info("database fault cleared", { alarm: a.code, count: a.count, since: a.since });
    }
    // Outside the write that just succeeded: listeners write themselves (e.g. a refresh of every label).
    if (cleared) for (const fn of onClear) setImmediate(fn);
  };

  /** Whether the path still names the file that was opened; raises the alarm when not. */
  const checkFile = (where = "file check"): boolean => {
    if (opened === null || opened === "memory") return true;
    const id = fileId();
    if (id === opened) {
      if (alarms.delete("missing")) deps.log.info("database file is back", { path: deps.path });
      return true;
    }
    raise(missingFault(id === null ? "is gone" : "is another file now"), where);
    return false;
  };
  const missingFault = (what: string): DbFault => ({
    kind: "missing",
    code: "",
    reason: `${REASONS.missing} (${deps.path} ${what})`,
  });
  /**
   * SQLite goes on writing to a deleted file (its inode lives while open), so every write would be
   * acknowledged and lost at the next start. Checked before each write transaction: a stat is a few
   * microseconds.
   */
  const assertWritable = (where: string): void => {
    if (!checkFile(where)) throw new DbUnavailableError(missingFault("is gone or replaced"));
  };
  const timer = setInterval(() => checkFile(), deps.checkEveryMs ?? 2_000);
  timer.unref();

  /** One try of a write: its result, or the database fault it met (raised as an alarm); anything else is thrown. */
  function attempt<T>(where: string, fn: () => T): { out: T } | { fault: DbFault } {
    assertWritable(where);
    try {
      const out = fn();
      if (alarms.size > 0) ok();
      return { out };
    } catch (e) {
      const fault = dbFaultOf(e);
      if (!fault) throw e;
      raise(fault, where);
      return { fault };
    }
  }

  return {
    alarms: (): DbAlarm[] => [...alarms.values()].map(({ loggedAt: _, ...a }) => a),
    raise,
    ok,
    checkFile,
    assertWritable,
    /**
     * Run a write; a fault is raised as an alarm and rethrown as DbUnavailableError (the HTTP layer
     * answers it 503). Anything else propagates unchanged.
     */
    write<T>(where: string, fn: () => T): T {
      const tried = attempt(where, fn);
      if ("fault" in tried) throw new DbUnavailableError(tried.fault);
      return tried.out;
    },
    /**
     * Run a write, waiting while another process holds the lock: retried with backoff (SQLite's own
     * busy timeout is kept short so the event loop is never blocked long) until `busyWaitMs` has
     * passed. Other faults are not waited for: a full disk does not empty itself within a request.
     */
    async writeWaiting<T>(where: string, fn: () => T): Promise<T> {
      const deadline = now() + deps.busyWaitMs;
      for (let n = 0; ; n++) {
        const tried = attempt(where, fn);
        if (!("fault" in tried)) return tried.out;
        const { fault } = tried;
        if (fault.kind !== "busy" || now() >= deadline) throw new DbUnavailableError(fault);
        await sleep(Math.min(50 * 2 ** n, 1_000, Math.max(0, deadline - now())));
      }
    },
    /**
     * A background write (a device's report, a scheduled change): a fault is raised and logged and
     * the call returns false; the caller keeps what it could not write and tries again later.
     */
    tryWrite(where: string, fn: () => void): boolean {
      if (!checkFile(where)) return false;
      try {
        fn();
        if (alarms.size > 0) ok();
        return true;
      } catch (e) {
        const fault = dbFaultOf(e);
        if (!fault) throw e;
        raise(fault, where);
        return false;
      }
    },
    /** Called after a fault clears: what was skipped meanwhile (scheduled changes) can be caught up. */
    onClear: (fn: () => void): void => {
      onClear.push(fn);
    },
    stop: () => clearInterval(timer),
  };
}
export type DbWatch = ReturnType<typeof dbWatch>;

/**
 * How a feed ingestor runs its writes: the apply waits out another process's lock; bookkeeping after
 * a committed batch is best effort. Without a watch (the CLIs, benches): plain calls.
 */
export function faultPolicy(watch: Pick<DbWatch, "writeWaiting" | "tryWrite"> | undefined) {
  return {
    write: <T>(where: string, fn: () => T): Promise<T> =>
      watch ? watch.writeWaiting(where, fn) : Promise.resolve().then(fn),
    note: (where: string, fn: () => void): void => {
      if (watch) watch.tryWrite(where, fn);
      else fn();
    },
  };
}
