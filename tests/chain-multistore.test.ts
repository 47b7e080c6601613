import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChain } from "../central/broker.ts";
import { type CentralLog, openCentralLog } from "../central/log.ts";
import { type PublishInput, publishChange } from "../central/publish.ts";
import { serveCatchUp } from "../central/serve.ts";
import { progressOf, watchRollUp } from "../central/status.ts";
import { type SimulatedAccessPoint, startSimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { changeIdOf } from "../schemas/index.ts";
import { type NatsCluster, type StoreBroker, startNatsCluster, startStoreBroker } from "./support/chain.ts";
import { authFetch, getJson, postFeed, startTestController, tempDir, waitFor } from "./support/harness.ts";
import { parseExposition } from "./support/metrics.ts";

/**
 * Issue 15 §4: the chain on one machine. A 3-node NATS cluster (routes, JetStream, an MQTT listener
 * each, on loopback), 3 store Mosquittos each bridged to it (its first node a different one), and per
 * store a controller (SHELFSYNC_CHAIN=on) and a simulated access point. One central change reaches
 * the labels of every store, also when a chain node is killed during it; a store whose broker is cut
 * off during a change catches up once it is back; the roll-up on the chain broker shows the progress.
 *
 * The controllers' periodic catch-up is set to 5 minutes, so what arrives arrives over the chain (or
 * by the catch-up a gap or a reconnect starts), never by a poll that happens to come by.
 */
const RANGE: [number, number] = [19870, 19999];
const STORES = 3;
const LABELS = 4;
const SKUS = ["A", "B"];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

interface Store {
  id: string;
  broker: StoreBroker;
  ctl: Awaited<ReturnType<typeof startTestController>>;
  ap: SimulatedAccessPoint;
}

describe("one central change, three bridged stores, a chain cluster that loses a node", () => {
  const dir = tempDir("shelfsync-chain-multi-");
  const run = Date.now().toString(36);
  let nats: NatsCluster;
  let log: CentralLog;
  let central: MqttClient;
  let serve: Awaited<ReturnType<typeof serveCatchUp>>;
  let rollUp: Awaited<ReturnType<typeof watchRollUp>>;
  const stores: Store[] = [];

  const publish = (input: PublishInput) => publishChange({ client: central, log }, input);
  const prices = (price: string) =>
    ({
      feed: "prices",
      format: "csv",
      body: `sku,price,currency\n${SKUS.map((s) => `${s},${price},EUR`).join("\n")}\n`,
    }) as const;

  /** Every label of the store shows this price and says so. */
  const shows = async (s: Store, amountMinor: number) => {
    s.ctl.flushStates();
    for (const id of s.ap.labelIds) {
      const l = await getJson(`${s.ctl.httpUrl}/api/v1/labels/${id}`);
      if (!l.inSync || l.content?.price.amountMinor !== amountMinor) return false;
    }
    return true;
  };
  /** The store's chain gauges on GET /metrics (undefined: no sample). */
  const chainGauges = async (s: Store) => {
    const m = parseExposition(await (await authFetch(`${s.ctl.httpUrl}/metrics`)).text());
    return { connected: m.value("shelfsync_chain_connected"), uplink: m.value("shelfsync_chain_uplink_up") };
  };
  const progress = (changeId: string) => progressOf(rollUp.statuses.values(), changeId);
  /**
   * Wait until the store shows the price; when it does not in time, the failure says whether the
   * change arrived (the store's prices sequence) or its labels did not follow it, and what each shows
   * (two waits of this file failed in CI runs and in none of the runs by hand).
   */
  const waitShows = async (s: Store, amountMinor: number, sequence: number, ms: number) => {
    try {
      await waitFor(() => shows(s, amountMinor), ms, `${s.id} shows ${amountMinor / 100}`);
    } catch (e) {
      const labels = [];
      for (const id of s.ap.labelIds) labels.push(await getJson(`${s.ctl.httpUrl}/api/v1/labels/${id}`));
      const seen = labels.map((l) => `${l.labelId} ${l.status} ${l.content?.price?.amountMinor}`).join(", ");
      throw new Error(
        `${String(e)}; prices sequence ${s.ctl.catalog.lastSequence("prices")} of ${sequence}; labels: ${seen}`,
      );
    }
  };

  beforeAll(async () => {
    nats = await startNatsCluster(dir.path, 3, RANGE);
    log = openCentralLog(join(dir.path, "central.db"));
    serve = await serveCatchUp(log, 0);
    // A persistent session, as `central status --watch` should have on a cluster: on a reconnect
    // after a node loss NATS resumes it, where a clean one makes it delete and re-create the
    // session's JetStream consumers, which the cluster refuses until it has new leaders.
    central = await connectChain(nats.urls, `test-central-${run}`, {}, { clean: false });
    rollUp = await watchRollUp(central);
    const nodes = nats.nodes.map((n) => n.mqttUrl);
    await Promise.all(
      Array.from({ length: STORES }, async (_, i) => {
        const id = `m${run}-${i + 1}`;
        // Each store's bridge starts on another node (docs/chain.md: spread the connections).
        const order = [...nodes.slice(i % nodes.length), ...nodes.slice(0, i % nodes.length)].join(",");
        const broker = await startStoreBroker(dir.path, id, order, RANGE);
        const ctl = await startTestController("mosquitto", {
          storeId: id,
          mqttUrl: broker.url,
          dbPath: join(dir.path, `${id}.db`),
          config: {
            chain: "on",
            chainStatusSeconds: 0.2,
            centralUrl: `${serve.url}/stores/${id}`,
            centralIntervalSeconds: 300,
            centralTimeoutSeconds: 2,
            centralRetries: 1,
          },
        });
        const ap = await startSimulatedAccessPoint({
          mqttUrl: broker.url,
          storeId: id,
          bridgeId: "ap1",
          labels: LABELS,
          radioDelayMs: 5,
          radioJitterMs: 0,
          failureRate: 0,
          checkInSeconds: 3600,
          seed: i + 1,
          logger: quiet,
        });
        stores[i] = { id, broker, ctl, ap };
      }),
    );
    await waitFor(
      () =>
        stores.every((s) => s.ctl.chain?.link.connected() && s.ap.labelIds.every((l) => s.ctl.labels.get(l))),
      15_000,
      "controllers on the chain, labels announced",
    );
    // Wait until every bridge's subscription is in place on the chain: the roll-ups came through.
    await waitFor(() => stores.every((s) => rollUp.statuses.has(s.id)), 15_000, "every store's roll-up");
    await publish({
      feed: "products",
      format: "csv",
      body: `sku,name\n${SKUS.map((s) => `${s},Item ${s}`).join("\n")}\n`,
    });
    await publish(prices("1.00"));
    for (const s of stores) {
      const links = `labelId,sku\n${s.ap.labelIds.map((l, i) => `${l},${SKUS[i % SKUS.length]}`).join("\n")}\n`;
      expect((await postFeed(s.ctl.httpUrl, "links", 1, links)).json).toMatchObject({ applied: true });
    }
    // The roll-ups prove each store bridge's way out to the chain, not its subscription in: a change
    // central publishes before that subscription is in place never reaches the store over MQTT. That
    // is the likely cause of one CI failure, where one store of three did not show the first price
    // within 20 s. A store learns of such a change from its catch-up at SHELFSYNC_CENTRAL_INTERVAL
    // (300 s here), so the set-up runs it now. The tests below publish their own changes over the chain.
    for (const s of stores) void s.ctl.central?.kick();
    for (const s of stores) await waitFor(() => shows(s, 100), 20_000, `${s.id} shows 1.00`);
  }, 90_000);

  afterAll(async () => {
    // Every step on its own: a failed test may leave a broker down (a controller's cleanup then
    // cannot clear its retained messages), and the NATS nodes must be stopped whatever happened.
    const settle = async (step: () => unknown) => {
      try {
        await step();
      } catch {
        // Reported by the test that failed; the rest of the clean-up still runs.
      }
    };
    for (const s of stores) {
      await settle(() => s?.ap?.stop());
      await settle(() => s?.ctl?.cleanup());
      await settle(() => s?.broker?.kill());
    }
    await settle(() => central?.endAsync());
    await settle(() => serve?.close());
    await settle(() => log?.close());
    await settle(() => nats?.stop());
    dir.cleanup();
  });

  it("reaches every store's labels while a chain node is killed during the change", async () => {
    // The node the second store's bridge is on dies as the change goes out.
    const victim = nats.nodes[1];
    if (!victim) throw new Error("no second node");
    const [change] = await Promise.all([publish(prices("1.10")), victim.kill()]);
    for (const s of stores) await waitShows(s, 110, change.sequence, 30_000);
    // It came over the chain (the audit names the chain change), not from a poll of central.
    for (const s of stores)
      expect(
        s.ctl.stores.audit.list({ actor: `chain ${change.changeId}` }).length +
          s.ctl.stores.audit.list({ actor: `central catch-up (prices#${change.sequence})` }).length,
      ).toBeGreaterThan(0);
    const p = await waitFor(
      () => {
        const p = progress(change.changeId);
        return p.stores.showing === STORES && p.labels.showing === STORES * LABELS ? p : null;
      },
      45_000,
      "roll-up: every store and label shows it",
    );
    expect(p?.stores.total).toBe(STORES);
    await victim.start();
  }, 120_000);

  it("a store cut off during a change catches up once it is back; the roll-up shows the progress", async () => {
    const [, , cut] = stores;
    if (!cut) throw new Error("no third store");
    await cut.broker.kill();
    const change = await publish(prices("1.20"));
    for (const s of stores.slice(0, 2)) await waitFor(() => shows(s, 120), 20_000, `${s.id} shows 1.20`);
    // Central sees two of three stores (and their labels) showing it; the cut-off one still at the last.
    const partial = await waitFor(
      () => {
        const p = progress(change.changeId);
        return p.stores.showing === 2 && p.labels.showing === 2 * LABELS ? p : null;
      },
      15_000,
      "roll-up: 2 of 3 stores",
    );
    expect(partial?.perStore.find((p) => p.storeId === cut.id)).toMatchObject({
      applied: false,
      labelsShowing: 0,
    });
    expect(await shows(cut, 110)).toBe(true);

    await cut.broker.start();
    await waitFor(() => shows(cut, 120), 30_000, `${cut.id} shows 1.20 after it is back`);
    await waitFor(
      () => {
        const p = progress(change.changeId);
        return p.stores.showing === STORES && p.labels.showing === STORES * LABELS ? p : null;
      },
      15_000,
      "roll-up: every store again",
    );
  }, 90_000);

  // Waits of 45 s: the change crosses NATS, three Mosquitto bridges and a controller's start, and at
  // 20 s this failed once with the machine's load at 11 (it passes in a few seconds when quiet).
  it("a controller stopped during a change gets it from its persistent session when it starts again", async () => {
    const [first] = stores;
    if (!first) throw new Error("no first store");
    const dbPath = first.ctl.config.dbPath;
    await first.ctl.stop();
    const change = await publish(prices("1.25"));
    for (const s of stores.slice(1)) await waitShows(s, 125, change.sequence, 45_000);
    first.ctl = await startTestController("mosquitto", {
      storeId: first.id,
      mqttUrl: first.broker.url,
      dbPath,
      // No catch-up URL this time: only the session on the store broker can bring the change.
      config: { chain: "on", chainStatusSeconds: 0.2 },
    });
    await waitFor(
      () => first.ctl.catalog.lastSequence("prices") === change.sequence,
      45_000,
      "applied on return",
    );
    await waitFor(() => shows(first, 125), 45_000, `${first.id} shows 1.25`);
  }, 150_000);

  // A change central logged and handed to the chain, which then lost it with a dying node before it
  // reached the store's bridge (stamped and marked delivered here, never published). The store's own
  // connection never drops, no later change shows a gap, and the periodic catch-up is 5 minutes
  // away: only its bridge's notification that it is back on another node can start the catch-up.
  it("a store whose bridge comes back on another node catches up what the chain lost meanwhile", async () => {
    const moved = stores[2];
    const victim = nats.nodes[2];
    if (!moved || !victim) throw new Error("no third store or node");
    const lost = log.stamp(
      "prices",
      { format: "csv", body: prices("1.35").body, stores: null },
      Date.now(),
      changeIdOf,
    );
    log.delivered(lost.changeId);
    // The controller reads its store broker's bridge notifications (and shows them to ops).
    await waitFor(async () => (await chainGauges(moved)).uplink === 1, 10_000, "uplink up before");
    expect((await chainGauges(moved)).connected).toBe(1);
    await victim.kill();
    // The bridge comes back once the cluster takes its durable session on another node, and its
    // reconnect backs off meanwhile (restart_timeout 1 10): 1.7-22 s in runs by hand, 9 s in CI.
    await waitShows(moved, 135, lost.sequence, 60_000);
    expect(moved.ctl.stores.audit.list({ actor: `central catch-up (prices#${lost.sequence})` })).not.toEqual(
      [],
    );
    expect((await chainGauges(moved)).uplink).toBe(1);
    await victim.start();
  }, 120_000);
});
