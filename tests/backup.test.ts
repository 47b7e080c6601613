import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import {
  api,
  authFetch,
  getJson,
  npmScript,
  postFeed,
  startTestController,
  tempDir,
} from "./support/harness.ts";

// npm run backup while the controller runs, and a restore into a new controller: the store's data
// (products, labels and their links, price history, the audit log, the feed ledger) comes back whole.

const dir = tempDir("shelfsync-backup-");
const controllers: (Controller & { cleanup(): Promise<void> })[] = [];
afterAll(async () => {
  for (const c of controllers) await c.cleanup().catch(() => undefined);
  dir.cleanup();
});

const SKUS = ["APPLE", "BREAD", "CHEESE", "DATES"];
const PRODUCTS = `sku,gtin,name,brand,netQuantity,unit,category\n${SKUS.map((s) => `${s},,${s.toLowerCase()},Farm,1,piece,food`).join("\n")}\n`;
/**
 * Batch n sets every price to 1.00 + n cents (small steps: no guard rail holds them): a backup holding
 * half a batch would show mixed prices.
 */
const centsAt = (n: number) => 100 + n;
const pricesAt = (n: number) =>
  `sku,price,currency\n${SKUS.map((s) => `${s},${(centsAt(n) / 100).toFixed(2)},EUR`).join("\n")}\n`;

function backup(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(...npmScript("backup", ...args), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

async function started(dbPath?: string) {
  const c = await startTestController("aedes", dbPath ? { dbPath } : {});
  controllers.push(c);
  return c;
}

/** What must survive a backup and a restore, read through the API. */
async function snapshot(ctl: Controller, pastInstant: string) {
  const base = ctl.httpUrl;
  const labels = (await getJson(`${base}/api/v1/labels`)) as {
    labelId: string;
    sku: string;
    content: unknown;
  }[];
  return {
    products: await Promise.all(SKUS.map((s) => getJson(`${base}/api/v1/products/${s}`))),
    labels: labels.map((l) => ({ labelId: l.labelId, sku: l.sku, content: l.content })),
    pastPrices: await Promise.all(
      SKUS.map((s) => getJson(`${base}/api/v1/products/${s}/price?at=${pastInstant}`)),
    ),
    audit: (await getJson(`${base}/api/v1/audit`)) as unknown[],
    feeds: (await getJson(`${base}/api/v1/health`)).feeds,
  };
}

describe("npm run backup", () => {
  it("copies a running controller's database consistently, and --restore brings it back in a new controller", async () => {
    const ctl = await started();
    const db = ctl.config.dbPath;
    expect((await postFeed(ctl.httpUrl, "products", 1, PRODUCTS)).status).toBe(200);
    expect((await postFeed(ctl.httpUrl, "prices", 1, pricesAt(1))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const afterFirstBatch = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    for (const [i, sku] of SKUS.entries()) {
      expect((await api(ctl.httpUrl, "POST", "/labels", { labelId: `L-${i}` })).status).toBe(201);
      expect((await api(ctl.httpUrl, "PUT", `/labels/L-${i}/link`, { sku })).status).toBe(200);
    }

    // A backup taken while price batches keep arriving holds whole batches only.
    let sequence = 1;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        sequence++;
        expect((await postFeed(ctl.httpUrl, "prices", sequence, pricesAt(sequence))).status).toBe(200);
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const during = join(dir.path, "during.db");
    const taken = await backup(during, "--db", db);
    writing = false;
    await writer;
    expect(taken.stderr).toBe("");
    expect(taken.status).toBe(0);
    expect(taken.stdout).toMatch(
      /^backed up .* \(.* MB, schema \d+: 4 products, 4 labels, \d+ price history rows/,
    );
    expect(readdirSync(dir.path).filter((f) => f.includes("partial"))).toEqual([]);

    const fromDuring = join(dir.path, "restored-during", "shelfsync.db");
    expect((await backup("--restore", during, "--db", fromDuring)).status).toBe(0);
    const r1 = await started(fromDuring);
    const last = (await getJson(`${r1.httpUrl}/api/v1/health`)).feeds.prices.lastSequence as number;
    expect(last).toBeGreaterThan(1);
    for (const sku of SKUS) {
      expect((await getJson(`${r1.httpUrl}/api/v1/products/${sku}`)).price.amountMinor).toBe(centsAt(last));
    }
    await r1.cleanup();
    controllers.splice(controllers.indexOf(r1), 1);

    // Quiet now: a backup restored into a new controller shows the same store.
    const quiet = join(dir.path, "quiet.db");
    expect((await backup(quiet, "--db", db)).status).toBe(0);
    const target = join(dir.path, "restored", "shelfsync.db");
    const restored = await backup("--restore", quiet, "--db", target);
    expect(restored.stderr).toBe("");
    expect(restored.status).toBe(0);
    const r2 = await started(target);
    expect(await snapshot(r2, afterFirstBatch)).toEqual(await snapshot(ctl, afterFirstBatch));
    expect((await snapshot(r2, afterFirstBatch)).pastPrices.map((p) => p.price.amountMinor)).toEqual(
      SKUS.map(() => centsAt(1)),
    );

    // Refused, one line each, exit 2: restoring under a running controller, and overwriting a backup.
    const busy = await backup("--restore", quiet, "--db", target);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toMatch(/^shelfsync backup: .* is in use \(is the controller running\?\)/);
    expect(busy.stderr.trimEnd().split("\n")).toHaveLength(1);
    const again = await backup(quiet, "--db", db);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("exists; choose another file or add --force");
    expect((await backup(quiet, "--db", db, "--force")).status).toBe(0);
  });

  it("restoring over a stopped controller's database keeps the old one beside it", async () => {
    const ctl = await started();
    expect((await postFeed(ctl.httpUrl, "products", 1, PRODUCTS)).status).toBe(200);
    const file = join(dir.path, "small.db");
    expect((await backup(file, "--db", ctl.config.dbPath)).status).toBe(0);
    expect((await postFeed(ctl.httpUrl, "prices", 1, pricesAt(7))).status).toBe(200);
    await ctl.cleanup().catch(() => undefined);
    controllers.splice(controllers.indexOf(ctl), 1);
    // The controller's temp dir is gone with its cleanup: restore into a fresh place with an old file.
    const target = join(dir.path, "over", "shelfsync.db");
    const seeded = await started(target);
    expect((await postFeed(seeded.httpUrl, "products", 1, PRODUCTS)).status).toBe(200);
    await seeded.cleanup().catch(() => undefined);
    controllers.splice(controllers.indexOf(seeded), 1);
    expect(existsSync(target)).toBe(true);
    const r = await backup("--restore", file, "--db", target);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/the previous database is kept as .*shelfsync\.db\.before-restore-/);
  });

  it("screen media the database names go with the backup, and a restore puts them back for players", async () => {
    const ctl = await started();
    const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: "#0a0" } })
      .png()
      .toBuffer();
    const up = await authFetch(`${ctl.httpUrl}/api/v1/screens/media?name=green.png`, {
      method: "POST",
      body: png,
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(up.status).toBe(201);
    const { hash, url } = (await up.json()) as { hash: string; url: string };
    const file = join(dir.path, "with-media.db");
    const taken = await backup(file, "--db", ctl.config.dbPath);
    expect(taken.status).toBe(0);
    expect(taken.stdout).toContain(", 1 screen media files;");
    expect(readdirSync(`${file}.media`)).toEqual([`${hash}.png`]);
    expect(readFileSync(join(`${file}.media`, `${hash}.png`)).equals(png)).toBe(true);

    const target = join(dir.path, "restored-media", "shelfsync.db");
    const r = await backup("--restore", file, "--db", target);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const back = await started(target);
    const served = await fetch(`${back.httpUrl}${url}`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);

    // A backup whose media folder lost a file the database names is refused, and nothing is restored.
    rmSync(join(`${file}.media`, `${hash}.png`));
    const broken = await backup("--restore", file, "--db", join(dir.path, "no-media", "shelfsync.db"));
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/^shelfsync backup: 1 media file\(s\) the database names are missing/);
    expect(existsSync(join(dir.path, "no-media", "shelfsync.db"))).toBe(false);
  });

  it("a file that is not a database is refused, and nothing is written", async () => {
    const bogus = join(dir.path, "bogus.db");
    spawnSync("sh", ["-c", `printf 'not sqlite' > ${bogus}`]);
    const target = join(dir.path, "untouched", "shelfsync.db");
    const r = await backup("--restore", bogus, "--db", target);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^shelfsync backup: .*bogus\.db is not a Shelfsync database/);
    expect(existsSync(target)).toBe(false);
  });
});
