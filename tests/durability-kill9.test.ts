import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStores } from "../controller/store/index.ts";
import {
  authFetch,
  freePort,
  getJson,
  npmScript,
  postFeed,
  TEST_ADMIN_TOKEN,
  tempDir,
  waitFor,
} from "./support/harness.ts";

/** Every child started, so a failing test still leaves no controller running behind it. */
const children: ChildProcess[] = [];

function startControllerProcess(dbPath: string, httpPort: number): ChildProcess {
  const child = spawn(...npmScript("start"), {
    env: {
      ...process.env,
      SHELFSYNC_DB: dbPath,
      SHELFSYNC_HTTP_PORT: String(httpPort),
      SHELFSYNC_HTTP_HOST: "127.0.0.1",
      SHELFSYNC_MQTT_PORT: "0",
      SHELFSYNC_STORE_ID: "kill9",
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
