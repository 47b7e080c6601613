import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb, UnusableDatabaseError } from "../controller/store/db.ts";

/**
 * A store file that cannot be used at all is said in one line at start (path, reason, setting),
 * not as a stack trace from the first statement. A read-only folder is made with a read-only bind
 * mount when the tests run as root (root ignores file modes), or with chmod otherwise.
 */
const dir = mkdtempSync(join(tmpdir(), "shelfsync-unusable-"));
const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

function readOnlyFolder(): string {
  const src = join(dir, "src");
  const ro = join(dir, "ro");
  mkdirSync(src, { recursive: true });
  mkdirSync(ro, { recursive: true });
  // A database made while writable, then seen through a read-only view.
  openDb(join(src, "store.db")).$client.close();
  if (isRoot) {
    execFileSync("mount", ["--bind", src, ro]);
    mounts.push(ro);
    execFileSync("mount", ["-o", "remount,ro,bind", ro]);
    return ro;
  }
  execFileSync("chmod", ["0555", src]);
  execFileSync("chmod", ["0444", join(src, "store.db")]);
  return src;
}

afterAll(() => {
  for (const m of mounts) spawnSync("umount", [m]);
  spawnSync("chmod", ["-R", "u+w", dir]);
  rmSync(dir, { recursive: true, force: true });
});

describe("an unusable database file", () => {
  it("a read-only folder or mount: refused with the path and why, before anything starts", () => {
    const folder = readOnlyFolder();
    const path = join(folder, "store.db");
    let error: unknown;
    try {
      openDb(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnusableDatabaseError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/read-only|refused the write/);
    expect((error as Error).message).toContain("SHELFSYNC_DB");
  });

  it("a file that is not a SQLite database: refused, named, with the way out", () => {
    const path = join(dir, "notes.db");
    writeFileSync(path, "these are not the pages of a database, ".repeat(200));
    expect(() => openDb(path)).toThrow(UnusableDatabaseError);
    expect(() => openDb(path)).toThrow(/is not a SQLite database/);
  });
});
