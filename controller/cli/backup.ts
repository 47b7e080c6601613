import { CommandError, parseCommandLine, runCommand } from "../../lib/cli.ts";
import { configSchema } from "../config.ts";
import { BackupError, backupDatabase, type DatabaseSummary, restoreDatabase } from "../store/backup.ts";
import { NewerDatabaseError, UnusableDatabaseError } from "../store/db.ts";

/**
 * `npm run backup -- <file>`: a consistent copy of the store's SQLite file, taken while the controller
 * runs; `npm run backup -- --restore <file>`: put one back (controller stopped). See docs/operations.md.
 */
const USAGE = `usage: npm run backup -- <file> [--db <path>] [--force]
       npm run backup -- --restore <file> [--db <path>]

  <file>            where to write the backup: a consistent copy of the database as of one commit,
                    taken while the controller runs (it keeps working), checked, then printed;
                    the screen media it names go into <file>.media/
  --restore <file>  put a backup in place of the database; stop the controller first. The current
                    database is kept beside it as <name>.before-restore-<time>
  --db <path>       the controller's SQLite file (default: SHELFSYNC_DB, else ./data/shelfsync.db)
  --force           replace <file> if it exists
`;

const describe = (s: DatabaseSummary) =>
  `${(s.bytes / 1024 / 1024).toFixed(1)} MB, schema ${s.schema}: ${s.products} products, ${s.labels} labels, ` +
  `${s.priceHistory} price history rows, ${s.auditEntries} audit entries, ${s.media} screen media files`;

runCommand(
  "backup",
  () => {
    const { values, positionals } = parseCommandLine(process.argv.slice(2), {
      db: { type: "string" },
      restore: { type: "string" },
      force: { type: "boolean" },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const db = configSchema.shape.dbPath.parse(values.db || process.env.SHELFSYNC_DB || undefined);
    const started = performance.now();
    const ms = () => `${Math.round(performance.now() - started)} ms`;
    if (values.restore !== undefined) {
      if (positionals.length > 0)
        throw new CommandError(`--restore takes one file; unexpected "${positionals[0]}"`);
      const { summary, keptAs } = restoreDatabase(values.restore, db);
      process.stdout.write(
        `restored ${values.restore} into ${db} (${describe(summary)}) in ${ms()}` +
          `${keptAs ? `; the previous database is kept as ${keptAs}` : ""}\n`,
      );
      return 0;
    }
    const [target, ...rest] = positionals;
    if (!target) throw new CommandError("give the file to write the backup to (see --help)");
    if (rest.length > 0) throw new CommandError(`one backup file at a time; unexpected "${rest[0]}"`);
    const summary = backupDatabase(db, target, { overwrite: values.force === true });
    process.stdout.write(`backed up ${db} to ${target} (${describe(summary)}; integrity ok) in ${ms()}\n`);
    return 0;
  },
  (e) => e instanceof BackupError || e instanceof NewerDatabaseError || e instanceof UnusableDatabaseError,
);
