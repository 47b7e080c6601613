import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { openStores } from "../controller/store/index.ts";
import { portInRange } from "./support/brokers.ts";
import {
  authFetch,
  freePort,
  getJson,
  npmScript,
  OPS_LOGIN,
  postFeed,
  postFeedOwnConnection,
  TEST_ADMIN_TOKEN,
  tempDir,
  waitFor,
} from "./support/harness.ts";

/** Every child started, so a failing test still leaves no controller running behind it. */
const children: ChildProcess[] = [];
/** Set when the suite ends (a timeout included): a chain still running starts no new controller. */
let aborted = false;

function startControllerProcess(dbPath: string, httpPort: number, storeId = "kill9"): ChildProcess {
  const child = spawn(...npmScript("start"), {
    env: {
      ...process.env,
      SHELFSYNC_DB: dbPath,
      SHELFSYNC_HTTP_PORT: String(httpPort),
      SHELFSYNC_HTTP_HOST: "127.0.0.1",
      SHELFSYNC_MQTT_PORT: "0",
      SHELFSYNC_STORE_ID: storeId,
      SHELFSYNC_LOG_LEVEL: "warn",
      SHELFSYNC_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

describe("an acknowledged write survives kill -9", () => {
  const dir = tempDir();
  afterAll(() => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    dir.cleanup();
  });

  it("every batch answered 200 is in the SQLite file after SIGKILL, and the controller restarts on it", async () => {
    const dbPath = join(dir.path, "shelfsync.db");
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = startControllerProcess(dbPath, port);
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      child.once("exit", (_code, signal) => r(signal)),
    );
    await waitFor(
      () =>
        authFetch(`${base}/api/v1/health`).then(
          (r) => r.ok,
          () => false,
        ),
      20_000,
      "controller up",
    );

    const products = ["sku,name", ...Array.from({ length: 500 }, (_, i) => `P${i},Product ${i}`)].join("\n");
    expect((await postFeed(base, "products", 1, products)).status).toBe(200);
    let acknowledged = 0;
    for (let seq = 1; seq <= 15; seq++) {
      const prices = [
        "sku,price,currency",
        ...Array.from({ length: 500 }, (_, i) => `P${i},${10 + seq}.${String(i % 100).padStart(2, "0")},EUR`),
      ].join("\n");
      const reply = await postFeed(base, "prices", seq, prices);
      expect(reply.json).toMatchObject({ applied: true, rowsChanged: 500 });
      acknowledged = seq;
    }
    // No grace period: the process dies the instant the last 200 is in our hands.
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const stores = openStores(dbPath);
    const { catalog } = stores;
    expect(catalog.lastSequence("prices")).toBe(acknowledged);
    expect(catalog.productCount()).toBe(500);
    expect(catalog.priceHistory("P7")).toHaveLength(15);
    stores.close();

    const again = startControllerProcess(dbPath, port);
    try {
      await waitFor(
        () =>
          authFetch(`${base}/api/v1/health`).then(
            (r) => r.ok,
            () => false,
          ),
        20_000,
        "controller restarted",
      );
      const product = (await getJson(`${base}/api/v1/products/P7`)) as { price: { amountMinor: number } };
      expect(product.price.amountMinor).toBe(2507);
      const health = (await getJson(`${base}/api/v1/health`)) as {
        feeds: { prices: { lastSequence: number } };
      };
      expect(health.feeds.prices.lastSequence).toBe(15);
    } finally {
      const stopped = new Promise((r) => again.once("exit", r));
      again.kill("SIGTERM");
      const timer = setTimeout(() => again.kill("SIGKILL"), 12_000);
      await stopped;
      clearTimeout(timer);
    }
  });
});

// Issue 12 §4: the controller killed at random points during feed applies, again and again. Each
// run posts price batches (every SKU changes in each) back to back and SIGKILLs the process after a
// random delay of up to ~3 batch applies, so the kill lands while a body streams, while the
// transaction runs, between commit and reply, while labels publish, or between batches. After each
// kill the SQLite file must hold every batch answered 200 and no part of any other (each SKU has
// exactly one history row per applied batch, and the price of the last one); the restarted process
// must publish again (its labels' retained content on its new embedded broker shows that price).
// Two chains run side by side (two cores), each on its own file and ports.
// CI: 2 × 25 = 50 runs of 1,000-row batches; `npm run soak` (SHELFSYNC_SOAK=1): 2 × 150 of 5,000.
const SOAK = process.env.SHELFSYNC_SOAK === "1";
const RUNS_PER_CHAIN = SOAK ? 150 : 25;
const SKUS = SOAK ? 5_000 : 1_000;
const LABELS = 20;

interface ChainCounts {
  runs: number;
  acknowledged: number;
  /** Committed batches whose 200 never reached the client (killed between commit and reply). */
  committedUnanswered: number;
  lost: number;
  partial: number;
  republished: number;
}

const cents = (sequence: number, i: number) => 1000 + ((sequence * 7 + i) % 100);
const priceCsv = (sequence: number) =>
  [
    "sku,price,currency",
    ...Array.from({ length: SKUS }, (_, i) => {
      const c = cents(sequence, i);
      return `K${i},${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")},EUR`;
    }),
  ].join("\n");

async function healthy(base: string): Promise<void> {
  await waitFor(
    () =>
      authFetch(`${base}/api/v1/health`).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
    "controller up",
  );
}

/** The content the restarted controller published for each linked label, from its embedded broker. */
async function publishedPrices(base: string, storeId: string): Promise<Map<string, number>> {
  const health = (await getJson(`${base}/api/v1/health`)) as { mqtt: { url: string } };
  const client = await mqtt.connectAsync(health.mqtt.url, { clean: true, reconnectPeriod: 0, ...OPS_LOGIN });
  const seen = new Map<string, number>();
  try {
    const all = new Promise<void>((resolve) => {
      client.on("message", (_topic, payload) => {
        if (payload.length === 0) return;
        const content = JSON.parse(payload.toString()) as { labelId: string; price: { amountMinor: number } };
        seen.set(content.labelId, content.price.amountMinor);
        if (seen.size === LABELS) resolve();
      });
    });
    await client.subscribeAsync(`shelfsync/${storeId}/label/+/content`, { qos: 0 });
    await Promise.race([all, new Promise((r) => setTimeout(r, 10_000))]);
  } finally {
    await client.endAsync();
  }
  return seen;
}

async function killChain(chain: number, dir: string): Promise<ChainCounts> {
  const dbPath = join(dir, `chain-${chain}.db`);
  const storeId = `kill9-${chain}`;
  const port = await portInRange(19450 + chain * 20, 19469 + chain * 20);
  const base = `http://127.0.0.1:${port}`;
  const counts: ChainCounts = {
    runs: 0,
    acknowledged: 0,
    committedUnanswered: 0,
    lost: 0,
    partial: 0,
    republished: 0,
  };
  let child = startControllerProcess(dbPath, port, storeId);
  await healthy(base);
  const products = ["sku,name", ...Array.from({ length: SKUS }, (_, i) => `K${i},Product ${i}`)].join("\n");
  expect((await postFeed(base, "products", 1, products)).status).toBe(200);
  const links = ["labelId,sku", ...Array.from({ length: LABELS }, (_, i) => `L${i},K${i}`)].join("\n");
  expect((await postFeed(base, "links", 1, links)).status).toBe(200);
  let next = 1;
  let batchMs = 100;
  for (let run = 1; run <= RUNS_PER_CHAIN; run++) {
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    let killed = false;
    const killAfter = Math.random() * 3 * batchMs;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, killAfter);
    let acknowledged = next - 1;
    let sent = next - 1;
    let answeredThisRun = 0;
    while (!killed) {
      const started = performance.now();
      sent = next;
      try {
        // A connection of its own per batch: a pooled keep-alive one can be closed by the server just as
        // the next batch is written on it (seen once in 300 soak runs: "other side closed" with no kill).
        const reply = await postFeedOwnConnection(base, "prices", next, priceCsv(next));
        if (reply.status !== 200 || reply.json.applied !== true)
          throw new Error(`batch ${next}: ${reply.status} ${JSON.stringify(reply.json)}`);
        acknowledged = next;
        counts.acknowledged++;
        answeredThisRun++;
        next++;
        batchMs = batchMs * 0.8 + (performance.now() - started) * 0.2;
      } catch (e) {
        if (!killed) throw e;
      }
    }
    clearTimeout(timer);
    // The estimate learns from answered batches only: on a loaded machine where a batch takes longer
    // than three times the first guess (100 ms), every kill came before the first reply and no run
    // ever answered one. A run that answered none doubles it, so the kills spread over the apply again.
    if (answeredThisRun === 0) batchMs *= 2;
    await exited;
    counts.runs++;

    // The file as the kill left it, before any restart touches it.
    const stores = openStores(dbPath);
    const last = stores.catalog.lastSequence("prices") ?? 0;
    if (last < acknowledged) counts.lost += acknowledged - last;
    if (last > sent) throw new Error(`sequence ${last} applied, but only ${sent} was sent`);
    if (last > acknowledged) counts.committedUnanswered += last - acknowledged;
    for (let i = 0; i < SKUS; i++) {
      const history = stores.catalog.priceHistory(`K${i}`);
      if (history.length !== last || (last > 0 && history.at(-1)?.amountMinor !== cents(last, i))) {
        counts.partial++;
        break;
      }
    }
    stores.close();
    next = last + 1;

    // Restart on the same file: it must come up and publish what the file says.
    if (aborted) break;
    child = startControllerProcess(dbPath, port, storeId);
    await healthy(base);
    if (last > 0) {
      const published = await publishedPrices(base, storeId);
      const right = [...Array(LABELS).keys()].every((i) => published.get(`L${i}`) === cents(last, i));
      if (right) counts.republished++;
    } else counts.republished++;
  }
  if (child.exitCode === null && child.signalCode === null) {
    const stopped = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await stopped;
  }
  return counts;
}

describe("kill -9 at random points during feed applies", () => {
  const dir = tempDir();
  afterAll(() => {
    aborted = true;
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    dir.cleanup();
  });

  it(
    `${2 * RUNS_PER_CHAIN} runs: every batch answered 200 is there, none half there, publishing resumes`,
    async () => {
      const started = performance.now();
      const chains = await Promise.all([killChain(0, dir.path), killChain(1, dir.path)]);
      const total = chains.reduce(
        (t, c) => ({
          runs: t.runs + c.runs,
          acknowledged: t.acknowledged + c.acknowledged,
          committedUnanswered: t.committedUnanswered + c.committedUnanswered,
          lost: t.lost + c.lost,
          partial: t.partial + c.partial,
          republished: t.republished + c.republished,
        }),
        { runs: 0, acknowledged: 0, committedUnanswered: 0, lost: 0, partial: 0, republished: 0 },
      );
      console.log(
        `kill -9: ${total.runs} runs (${SKUS.toLocaleString("en")}-row price batches, built controller, ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s); batches answered 200: ${total.acknowledged}, ` +
          `lost: ${total.lost}, half there: ${total.partial}, committed but killed before the reply: ` +
          `${total.committedUnanswered}; publishing resumed after ${total.republished}/${total.runs} restarts`,
      );
      expect(total.runs).toBe(2 * RUNS_PER_CHAIN);
      expect(total.lost).toBe(0);
      expect(total.partial).toBe(0);
      expect(total.republished).toBe(total.runs);
      expect(total.acknowledged).toBeGreaterThan(0);
    },
    // ~100 s on a loaded 2-core machine, mostly the 50 restarts of the built controller; room for worse.
    SOAK ? 3_600_000 : 600_000,
  );
});
