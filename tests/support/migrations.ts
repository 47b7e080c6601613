import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { productSearchText } from "../../controller/store/search-fold.ts";

const MIGRATIONS = join(import.meta.dirname, "../../controller/store/migrations");

/** A store file as a controller from before migration `tag` left it (the migrations before it only). */
export function storeBefore(tag: string, path: string): Database.Database {
  const folder = `${path}.migrations`;
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag === tag);
  if (cut <= 0) throw new Error(`no migration ${tag} after the first`);
  for (const e of journal.entries.slice(cut)) rmSync(join(folder, `${e.tag}.sql`));
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalPath, JSON.stringify(journal));
  const sqlite = new Database(path);
  // As store/db.ts openDb registers it, for migration 0005.
  sqlite.function("shelfsync_search_fold", { deterministic: true }, (name: unknown, brand: unknown) =>
    productSearchText(String(name), typeof brand === "string" ? brand : null),
  );
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  return sqlite;
}
