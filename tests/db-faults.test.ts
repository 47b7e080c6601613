import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { fromPackageRoot } from "../lib/paths.ts";
import { PROTOCOL_VERSION, storeTopics } from "../schemas/index.ts";
import {
  api,
  bridgeLogin,
  getJson,
  postFeed as post,
  startTestController,
  tempDir,
  waitFor,
} from "./support/harness.ts";

/**
 * A feed POST, sent again once if the connection was reset: a keep-alive socket the server closed
 * while the test was busy (filling a disk) is a client-side race, not the controller's answer.
 */
async function postFeed(...args: Parameters<typeof post>): ReturnType<typeof post> {
  try {
    return await post(...args);
  } catch {
    return post(...args);
  }
}

/**
 * The store's SQLite file in trouble while feeds and label reports keep arriving: locked by another
 * process, a full disk, a read-only database, the file deleted. The bar: no crash (an uncaught
 * exception fails the vitest run), every acknowledged batch is in the file afterwards, and each fault
 * is answered 503 with a reason and shown as a health alarm while it lasts.
 */

type Ctl = Controller & { cleanup(): Promise<void> };
const LABELS = 20;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const products = (prefix: string, n: number, pad = "") =>
  `sku,name,brand,netQuantity,unit,category\n${Array.from(
    { length: n },
    (_, i) => `${prefix}-${i},Product ${prefix} ${i} ${pad},Brand,500,g,pantry`,
  ).join("\n")}\n`;
const prices = (prefix: string, n: number, cents: number) =>
  `sku,price,currency\n${Array.from({ length: n }, (_, i) => `${prefix}-${i},${(cents / 100).toFixed(2)},EUR`).join("\n")}\n`;

/** A controller with LABELS labels announced by a bridge, linked, their contents published. */
async function storeWithLabels(config: Record<string, unknown> = {}, dbPath?: string) {
  const ctl: Ctl = await startTestController("aedes", { config, ...(dbPath ? { dbPath } : {}) });
  cleanups.push(() => ctl.cleanup());
  await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
  const device: MqttClient = await mqtt.connectAsync(ctl.mqttUrl, {
    clientId: `dev-${ctl.config.storeId}`,
    ...bridgeLogin(ctl, "ap-1"),
  });
  cleanups.push(() => device.endAsync());
  const topics = storeTopics(ctl.config.storeId);
  expect((await postFeed(ctl.httpUrl, "products", 1, products("P", LABELS))).status).toBe(200);
  expect((await postFeed(ctl.httpUrl, "prices", 1, prices("P", LABELS, 199))).status).toBe(200);
  const labelIds = Array.from({ length: LABELS }, (_, i) => `LBL-${i}`);
  await announce(device, topics, "ap-1", labelIds);
  await waitFor(() => labelIds.every((id) => ctl.labels.get(id)), 5_000, "labels announced");
  const links = `labelId,sku\n${labelIds.map((id, i) => `${id},P-${i}`).join("\n")}\n`;
  expect((await postFeed(ctl.httpUrl, "links", 1, links)).status).toBe(200);
  await waitFor(() => labelIds.every((id) => ctl.labels.get(id)?.contentHash), 5_000, "contents");
  return { ctl, device, topics, labelIds };
}

async function announce(
  device: MqttClient,
  topics: ReturnType<typeof storeTopics>,
  bridgeId: string,
  labelIds: string[],
) {
  await device.publishAsync(
    topics.bridge(bridgeId, "labels"),
    JSON.stringify({
      v: PROTOCOL_VERSION,
      bridgeId,
      kind: "simulated",
      labels: labelIds.map((labelId) => ({ labelId, model: "sim", width: 296, height: 128, colors: "bwr" })),
    }),
    { qos: 1 },
  );
}

/** Each label reports that it shows its current content. */
async function reportStates(
  ctl: Ctl,
  device: MqttClient,
  topics: ReturnType<typeof storeTopics>,
  ids: string[],
) {
  const sent = new Map<string, string>();
  for (const id of ids) {
    const hash = ctl.labels.get(id)?.contentHash as string;
    sent.set(id, hash);
    await device.publishAsync(
      topics.label(id, "state"),
      JSON.stringify({ v: PROTOCOL_VERSION, displayedHash: hash, battery: 2.9, rssi: -60 }),
    );
  }
  return sent;
}

const health = (ctl: Ctl) => getJson(`${ctl.httpUrl}/api/v1/health`);
const alarmCodes = async (ctl: Ctl) => ((await health(ctl)).alarms as { code: string }[]).map((a) => a.code);

/** Every acknowledged batch's rows are in the file: counted straight from SQLite. */
function countBatchRows(ctl: Ctl, prefixes: string[]): number {
  const q = ctl.db.$client.prepare<[string], { n: number }>(
    "SELECT COUNT(*) AS n FROM products WHERE sku LIKE ?",
  );
  return prefixes.reduce((sum, p) => sum + (q.get(`${p}-%`)?.n ?? 0), 0);
}

describe("the SQLite file in trouble", () => {
  it("another process holds an exclusive lock for 15 s while feeds and label states arrive", async () => {
    const { ctl, device, topics, labelIds } = await storeWithLabels({ dbBusyWaitSeconds: 40 });
    // The second bridge signs in before the lock: its token is a write of its own.
    const device2: MqttClient = await mqtt.connectAsync(ctl.mqttUrl, {
      clientId: `dev2-${ctl.config.storeId}`,
      ...bridgeLogin(ctl, "ap-2"),
    });
    cleanups.push(() => device2.endAsync());
    // The other process: better-sqlite3 in a child, BEGIN EXCLUSIVE and a write, held for 15 s.
    const script = `
      const Database = require(${JSON.stringify(fromPackageRoot("node_modules", "better-sqlite3"))});
      const db = new Database(process.argv[1]);
      db.exec("BEGIN EXCLUSIVE");
      db.exec("UPDATE labels SET battery = battery WHERE 0");
      process.stdout.write("locked\\n");
      setTimeout(() => { db.exec("COMMIT"); db.close(); process.stdout.write("released\\n"); }, 15000);`;
    const locker: ChildProcess = spawn(process.execPath, ["-e", script, ctl.config.dbPath], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    cleanups.push(() => {
      if (locker.exitCode === null) locker.kill("SIGKILL");
    });
    let out = "";
    locker.stdout?.on("data", (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((r) => locker.on("exit", (code) => r(code)));
    await waitFor(() => out.includes("locked"), 10_000, "the other process holds the lock");
    const lockedAt = Date.now();

    // While it is locked: label states, a second bridge's inventory, five price batches.
    const sent = await reportStates(ctl, device, topics, labelIds);
    const newLabels = Array.from({ length: 5 }, (_, i) => `NEW-${i}`);
    await announce(device2, topics, "ap-2", newLabels);
    const batches = [2, 3, 4, 5, 6].map((seq) =>
      postFeed(ctl.httpUrl, "prices", seq, prices("P", LABELS, 200 + seq)),
    );
    await waitFor(async () => (await alarmCodes(ctl)).includes("database_busy"), 5_000, "busy alarm");
    expect((await health(ctl)).status).toBe("degraded");
    // A write route that does not wait: 503 with the reason and a Retry-After.
    const link = await api(ctl.httpUrl, "PUT", "/labels/LBL-0/link", { sku: "P-1" });
    expect(link.status).toBe(503);
    expect(link.json.error.code).toBe("database_busy");
    expect(link.json.error.message).toMatch(/locked by another process/);
    // Nothing got through the lock.
    expect(ctl.labels.get("LBL-0")?.displayedHash).toBeNull();
    expect(ctl.labels.get("NEW-0")).toBeUndefined();

    expect(await exited).toBe(0);
    const heldMs = Date.now() - lockedAt;
    const replies = await Promise.all(batches);
    expect(replies.map((r) => [r.status, r.json.applied])).toEqual(replies.map(() => [200, true]));
    expect(ctl.catalog.lastSequence("prices")).toBe(6);
    // The last batch's price is in force for every SKU, and what the labels said while locked is recorded.
    expect((await getJson(`${ctl.httpUrl}/api/v1/products/P-7`)).price.amountMinor).toBe(206);
    await waitFor(
      () => labelIds.every((id) => ctl.labels.get(id)?.displayedHash === sent.get(id)),
      10_000,
      "states",
    );
    await waitFor(
      () => newLabels.every((id) => ctl.labels.get(id)?.bridgeId === "ap-2"),
      10_000,
      "inventory",
    );
    await waitFor(async () => (await alarmCodes(ctl)).length === 0, 10_000, "alarm cleared");
    console.log(
      `db locked ${(heldMs / 1000).toFixed(1)} s by another process: ${replies.length} batches acknowledged, ` +
        `${replies.filter((r) => r.json.applied).length} applied and in the file, ${labelIds.length} states ` +
        `and ${newLabels.length} announced labels recorded afterwards, 0 crashes`,
    );
  }, 60_000);

  it("a full disk: batches refused 503 database_full, states kept, every acknowledged batch there afterwards", async () => {
    // Honest simulation first: a 6 MB tmpfs mounted for the test (root, Linux); where mount is not
    // allowed, SQLite's own size limit on the controller's connection (PRAGMA max_page_count).
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const mnt = join(dir.path, "disk");
    mkdirSync(mnt);
    let method: "tmpfs" | "max_page_count" = "tmpfs";
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", mnt], { stdio: "ignore" });
    } catch {
      method = "max_page_count";
    }
    // Unmounted after the controller stopped (cleanups run in reverse).
    if (method === "tmpfs")
      cleanups.push(() => {
        execFileSync("umount", ["-l", mnt], { stdio: "ignore" });
      });
    const { ctl, device, topics, labelIds } = await storeWithLabels({}, join(mnt, "shelfsync.db"));

    const filler = join(mnt, "filler");
    const fill = () => {
      if (method === "max_page_count") {
        const pages = ctl.db.$client.pragma("page_count", { simple: true }) as number;
        ctl.db.$client.pragma(`max_page_count = ${pages}`);
        return;
      }
      const chunk = Buffer.alloc(64 * 1024);
      const fd = openSync(filler, "w");
      try {
        for (;;) writeSync(fd, chunk); // until ENOSPC: the disk is full now
      } catch {
        // full
      } finally {
        closeSync(fd);
      }
    };
    const free = () => {
      if (method === "max_page_count") ctl.db.$client.pragma("max_page_count = 1073741823");
      else rmSync(filler, { force: true });
    };

    const acknowledged: string[] = [];
    let refused = 0;
    let seq = 2;
    for (; seq < 5; seq++) {
      expect((await postFeed(ctl.httpUrl, "products", seq, products(`B${seq}`, 500))).status).toBe(200);
      acknowledged.push(`B${seq}`);
    }
    fill();
    // Batches of 500 products each until the disk refuses them (the WAL may still have room at first).
    for (let i = 0; i < 40 && refused === 0; i++, seq++) {
      const prefix = `B${seq}`;
      const r = await postFeed(ctl.httpUrl, "products", seq, products(prefix, 500, "x".repeat(150)));
      if (r.status === 200) acknowledged.push(prefix);
      else {
        expect(r.status).toBe(503);
        expect(r.json.error.code).toBe("database_full");
        expect(r.json.error.message).toMatch(/full/);
        refused++;
      }
    }
    expect(refused).toBe(1);
    expect(await alarmCodes(ctl)).toContain("database_full");
    const sent = await reportStates(ctl, device, topics, labelIds);
    await new Promise((r) => setTimeout(r, 500));

    free();
    const after = await postFeed(ctl.httpUrl, "products", seq, products(`B${seq}`, 10));
    expect(after.status).toBe(200);
    acknowledged.push(`B${seq}`);
    await waitFor(
      () => labelIds.every((id) => ctl.labels.get(id)?.displayedHash === sent.get(id)),
      10_000,
      "states",
    );
    await waitFor(async () => (await alarmCodes(ctl)).length === 0, 10_000, "alarm cleared");
    const expected = (acknowledged.length - 1) * 500 + 10;
    expect(countBatchRows(ctl, acknowledged)).toBe(expected);
    console.log(
      `full disk (${method}): ${acknowledged.length} batches acknowledged, ${refused} refused 503 database_full, ` +
        `${countBatchRows(ctl, acknowledged)}/${expected} acknowledged rows in the file afterwards, ` +
        `${labelIds.length} states recorded once space was freed, 0 crashes`,
    );
  }, 60_000);

  it("a read-only database: 503 database_read_only, then writes resume", async () => {
    const { ctl, device, topics, labelIds } = await storeWithLabels();
    // As root a file's mode bits do not stop writes, and a mount with open files cannot be remounted
    // read-only; PRAGMA query_only makes SQLite refuse writes with the same SQLITE_READONLY.
    ctl.db.$client.pragma("query_only = 1");
    const refused = await postFeed(ctl.httpUrl, "prices", 2, prices("P", LABELS, 333));
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe("database_read_only");
    const sent = await reportStates(ctl, device, topics, labelIds);
    await waitFor(async () => (await alarmCodes(ctl)).includes("database_read_only"), 5_000, "alarm");
    ctl.db.$client.pragma("query_only = 0");
    const ok = await postFeed(ctl.httpUrl, "prices", 2, prices("P", LABELS, 333));
    expect(ok.json).toMatchObject({ applied: true });
    await waitFor(
      () => labelIds.every((id) => ctl.labels.get(id)?.displayedHash === sent.get(id)),
      10_000,
      "states",
    );
    await waitFor(async () => (await alarmCodes(ctl)).length === 0, 10_000, "alarm cleared");
  }, 30_000);

  it("the database file deleted or moved away is noticed, and writes are refused rather than lost", async () => {
    const { ctl } = await storeWithLabels();
    const moved = `${ctl.config.dbPath}.moved`;
    renameSync(ctl.config.dbPath, moved);
    await waitFor(async () => (await alarmCodes(ctl)).includes("database_file_missing"), 5_000, "alarm");
    const refused = await postFeed(ctl.httpUrl, "prices", 2, prices("P", LABELS, 444));
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe("database_file_missing");
    renameSync(moved, ctl.config.dbPath);
    await waitFor(async () => (await alarmCodes(ctl)).length === 0, 5_000, "alarm cleared");
    expect((await postFeed(ctl.httpUrl, "prices", 2, prices("P", LABELS, 444))).json).toMatchObject({
      applied: true,
    });
  }, 30_000);
});
