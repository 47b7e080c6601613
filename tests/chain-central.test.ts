import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChain } from "../central/broker.ts";
import { type CentralLog, openCentralLog } from "../central/log.ts";
import { publishChange } from "../central/publish.ts";
import { serveCatchUp } from "../central/serve.ts";
import { progressOf, watchRollUp } from "../central/status.ts";
import { type SimulatedAccessPoint, startSimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { chainTopics } from "../schemas/index.ts";
import { type NatsCluster, type StoreBroker, startNatsCluster, startStoreBroker } from "./support/chain.ts";
import { getJson, npmScript, postFeed, startTestController, tempDir, waitFor } from "./support/harness.ts";

/**
 * The first slice of the chain (docs/chain.md) on real brokers: one NATS node with its MQTT listener,
 * one store Mosquitto bridged to it with the section `npm run token -- mosquitto-bridge` writes, a
 * controller with SHELFSYNC_CHAIN=on and a simulated access point. Central publishes through the
 * library and through `npm run central`, and reads the store's roll-up back from the chain broker.
 */
const RANGE: [number, number] = [19800, 19869];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const SKUS = ["A", "B", "C"];

describe("central → chain broker → bridged store broker → controller → labels", () => {
  const dir = tempDir("shelfsync-chain-");
  let nats: NatsCluster;
  let broker: StoreBroker;
  let log: CentralLog;
  let central: MqttClient;
  let serve: Awaited<ReturnType<typeof serveCatchUp>>;
  let ctl: Awaited<ReturnType<typeof startTestController>>;
  let ap: SimulatedAccessPoint;
  const storeId = `s${Date.now().toString(36)}`;
  let rollUp: Awaited<ReturnType<typeof watchRollUp>>;
  const dbPath = join(dir.path, "central.db");

  beforeAll(async () => {
    nats = await startNatsCluster(dir.path, 1, RANGE);
    broker = await startStoreBroker(dir.path, storeId, nats.urls, RANGE);
    log = openCentralLog(dbPath);
    serve = await serveCatchUp(log, 0);
    central = await connectChain(nats.urls, "test-central");
    rollUp = await watchRollUp(central);
    ctl = await startTestController("mosquitto", {
      storeId,
      mqttUrl: broker.url,
      config: {
        chain: "on",
        chainStatusSeconds: 0.2,
        centralUrl: `${serve.url}/stores/${storeId}`,
        centralIntervalSeconds: 1,
      },
    });
    await waitFor(() => ctl.link.connected() && ctl.chain?.link.connected(), 10_000, "controller connected");
    ap = await startSimulatedAccessPoint({
      mqttUrl: broker.url,
      storeId,
      bridgeId: "ap1",
      labels: 6,
      radioDelayMs: 5,
      radioJitterMs: 0,
      failureRate: 0,
      checkInSeconds: 3600,
      seed: 1,
      logger: quiet,
    });
  }, 60_000);

  afterAll(async () => {
    // Every step on its own: the brokers and NATS must be stopped whatever failed before.
    const settle = async (step: () => unknown) => {
      try {
        await step();
      } catch {
        // Reported by the test that failed; the rest of the clean-up still runs.
      }
    };
    await settle(() => ap?.stop());
    await settle(() => ctl?.cleanup());
    await settle(() => central?.endAsync());
    await settle(() => serve?.close());
    await settle(() => log?.close());
    await settle(() => broker?.kill());
    await settle(() => nats?.stop());
    dir.cleanup();
  });

  const priceOf = async (labelId: string) =>
    (await getJson(`${ctl.httpUrl}/api/v1/labels/${labelId}`)) as {
      inSync: boolean;
      content: { price: { amountMinor: number } } | null;
    };
  const allShow = (amountMinor: number) =>
    waitFor(
      async () => {
        ctl.flushStates();
        for (const id of ap.labelIds) {
          const l = await priceOf(id);
          if (!l.inSync || l.content?.price.amountMinor !== amountMinor) return false;
        }
        return true;
      },
      20_000,
      `every label shows ${amountMinor}`,
    );

  it("a chain-wide change reaches every label, and the roll-up says so", async () => {
    const products = await publishChange(
      { client: central, log },
      {
        feed: "products",
        format: "csv",
        body: `sku,name\n${SKUS.map((s) => `${s},Product ${s}`).join("\n")}\n`,
      },
    );
    expect(products.changeId).toBe("products-1");
    const first = await publishChange(
      { client: central, log },
      {
        feed: "prices",
        format: "csv",
        body: `sku,price,currency\n${SKUS.map((s) => `${s},1.00,EUR`).join("\n")}\n`,
      },
    );
    await waitFor(
      () => ctl.catalog.lastSequence("prices") === first.sequence,
      15_000,
      "first prices applied",
    );
    await waitFor(() => ap.labelIds.every((id) => ctl.labels.get(id)), 10_000, "labels announced");
    const links = `labelId,sku\n${ap.labelIds.map((id, i) => `${id},${SKUS[i % SKUS.length]}`).join("\n")}\n`;
    expect((await postFeed(ctl.httpUrl, "links", 1, links)).json).toMatchObject({ applied: true });
    await allShow(100);

    const change = await publishChange(
      { client: central, log },
      {
        feed: "prices",
        format: "csv",
        body: `sku,price,currency\n${SKUS.map((s) => `${s},1.29,EUR`).join("\n")}\n`,
      },
    );
    expect(change.changeId).toBe("prices-2");
    await allShow(129);
    const p = await waitFor(
      () => {
        const s = rollUp.statuses.get(storeId);
        const p = s ? progressOf([s], change.changeId) : null;
        return p !== null && p.stores.showing === 1 && p.labels.showing === 6 ? p : null;
      },
      10_000,
      "roll-up: the store shows prices-2 on all 6 labels",
    );
    expect(p?.perStore[0]).toMatchObject({ storeId, applied: true, sequence: 2, labelsTotal: 6 });
    expect(rollUp.statuses.get(storeId)?.lastChange).toMatchObject({ changeId: "prices-2", feed: "prices" });
  });

  it("a change for other stores moves the sequence on and nothing else", async () => {
    const other = await publishChange(
      { client: central, log },
      { feed: "prices", format: "csv", body: "sku,price,currency\nA,0.10,EUR\n", stores: ["elsewhere-1"] },
    );
    await waitFor(() => ctl.catalog.lastSequence("prices") === other.sequence, 15_000, "sequence taken");
    expect((await getJson(`${ctl.httpUrl}/api/v1/products/A`)).price.amountMinor).toBe(129);
    // The catch-up serves the same: an empty batch for this store, the rows for the one it names.
    const mine = await fetch(`${serve.url}/stores/${storeId}/feeds/prices/batches?after=2`);
    expect([mine.status, mine.headers.get("feed-sequence"), await mine.text()]).toEqual([200, "3", "[]"]);
    const theirs = await fetch(`${serve.url}/stores/elsewhere-1/feeds/prices/batches?after=2`);
    expect(await theirs.text()).toContain("A,0.10,EUR");
  });

  it("npm run central: publish prints the change id, status --json shows the store showing it", async () => {
    const file = join(dir.path, "prices.csv");
    writeFileSync(file, `sku,price,currency\n${SKUS.map((s) => `${s},1.49,EUR`).join("\n")}\n`);
    const env = { ...process.env, SHELFSYNC_CHAIN_URL: nats.urls, SHELFSYNC_CENTRAL_DB: dbPath };
    // The test's own central log is open too: the CLI stamps in the same file (WAL, one writer at a time).
    const [node, args] = npmScript("central", "publish", "--feed", "prices", "--file", file);
    const out = spawnSync(node, args, { env, encoding: "utf8", timeout: 30_000 });
    expect(out.stderr).toContain("as sequence 4");
    expect([out.status, out.stdout]).toEqual([0, "prices-4\n"]);
    await waitFor(() => ctl.catalog.lastSequence("prices") === 4, 15_000, "prices-4 applied");
    await allShow(149);
    const [n2, a2] = npmScript("central", "status", "--change", "prices-4", "--json");
    const status = await waitFor(
      () => {
        const r = spawnSync(n2, a2, { env, encoding: "utf8", timeout: 30_000 });
        const j = r.status === 0 ? JSON.parse(r.stdout) : null;
        const me = j?.perStore.find((s: { storeId: string }) => s.storeId === storeId);
        return me?.applied && me.labelsShowing === 6 ? me : null;
      },
      20_000,
      "central status shows the store with prices-4 on 6 labels",
    );
    expect(status).toMatchObject({ storeId, sequence: 4, labelsTotal: 6 });
    // A refused batch is stamped nowhere: exit 2, nothing on stdout, the sequence not consumed.
    writeFileSync(file, "sku,price,currency\nA,not-a-price,EUR\n");
    const bad = spawnSync(node, args, { env, encoding: "utf8", timeout: 30_000 });
    expect([bad.status, bad.stdout]).toEqual([2, ""]);
    expect(bad.stderr).toMatch(/refused.*line 2 price/);
    expect(log.lastSequence("prices")).toBe(4);
  });

  it("the status topic is retained on the chain broker", async () => {
    const c = await connectChain(nats.urls, "test-late-reader");
    const got = new Promise<string>((resolve) => c.on("message", (_t, p) => resolve(p.toString())));
    await c.subscribeAsync(chainTopics.storeStatus(storeId), { qos: 1 });
    expect(JSON.parse(await got)).toMatchObject({ storeId, feeds: { prices: { sequence: 4 } } });
    await c.endAsync();
  });
});
