import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { MqttClient } from "mqtt";
import { connectChain } from "../central/broker.ts";
import { openCentralLog } from "../central/log.ts";
import { publishChange } from "../central/publish.ts";
import { serveCatchUp } from "../central/serve.ts";
import { progressOf, watchRollUp } from "../central/status.ts";
import { fromPackageRoot } from "../lib/paths.ts";
import { type StoreBroker, startNatsCluster, startStoreBroker } from "../tests/support/chain.ts";
import { scratchDir } from "./support.ts";

/**
 * `npm run bench:chain [-- --stores 20 --labels 5000]` (issue 15 §5, docs/scale.md): the chain on
 * one machine. A 3-node NATS cluster (JetStream + MQTT listeners), N store Mosquittos bridged to it,
 * and per store a process with a controller (SHELFSYNC_CHAIN=on) and a simulated access point with
 * M labels, each label its own SKU. Central publishes one prices change for every SKU; the bench
 * times, from the publish: each store's apply, each store's 100 % of labels in sync, and the moment
 * central's roll-up (the retained statuses on the chain broker) shows every store and label.
 *
 * The raw baseline, measured in the same run on the same cluster: NATS's MQTT listener alone, QoS 1
 * (a) small messages published and delivered across nodes per second, and (b) one message the size
 * of the change fanned out to N subscribers (one per store, spread over the nodes, as the bridges are).
 */
const { values } = parseArgs({
  options: {
    stores: { type: "string", default: "20" },
    labels: { type: "string", default: "5000" },
    json: { type: "boolean", default: false },
  },
  strict: true,
});
const N = Number(values.stores);
const M = Number(values.labels);
const RANGE: [number, number] = [19800, 19999];
const ms = (a: number, b: number) => Math.round(b - a);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

function pricesCsv(cents: (i: number) => number): string {
  const lines = ["sku,price,currency"];
  for (let i = 0; i < M; i++) lines.push(`SKU${i},${(cents(i) / 100).toFixed(2)},EUR`);
  return `${lines.join("\n")}\n`;
}

/** (a): QoS 1 messages of ~200 bytes, published on node 1, delivered to a subscriber on node 2. */
async function baselineRate(urls: string[], count: number): Promise<{ perSec: number; ms: number }> {
  const pub = await connectChain(urls[0] as string, "bench-raw-pub");
  const sub = await connectChain(urls[1] as string, "bench-raw-sub");
  const payload = "x".repeat(200);
  let got = 0;
  const done = new Promise<void>((resolve) =>
    sub.on("message", () => {
      if (++got === count) resolve();
    }),
  );
  await sub.subscribeAsync("bench/raw", { qos: 1 });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, () => pub.publishAsync("bench/raw", payload, { qos: 1 })));
  await done;
  const took = performance.now() - t0;
  await pub.endAsync();
  await sub.endAsync();
  return { perSec: Math.round((count / took) * 1000), ms: Math.round(took) };
}

/** (b): one payload of `bytes` to `fanout` QoS 1 subscribers spread over the nodes; median of `runs`. */
async function baselineFanout(urls: string[], fanout: number, bytes: number, runs: number) {
  const subs: MqttClient[] = [];
  for (let i = 0; i < fanout; i++)
    subs.push(await connectChain(urls[i % urls.length] as string, `bench-fan-${i}`));
  const pub = await connectChain(urls[0] as string, "bench-fan-pub");
  await Promise.all(subs.map((s) => s.subscribeAsync("bench/fanout", { qos: 1 })));
  const payload = "y".repeat(bytes);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    let got = 0;
    const done = new Promise<void>((resolve) => {
      for (const s of subs)
        s.once("message", () => {
          if (++got === fanout) resolve();
        });
    });
    const t0 = performance.now();
    await pub.publishAsync("bench/fanout", payload, { qos: 1 });
    await done;
    times.push(performance.now() - t0);
    await sleep(100);
  }
  await Promise.all([...subs, pub].map((c) => c.endAsync()));
  const m = median(times);
  return {
    ms: Math.round(m),
    deliveriesPerSec: Math.round((fanout / m) * 1000),
    mbPerSec: (fanout * bytes) / 1e6 / (m / 1000),
  };
}

interface StoreProc {
  id: string;
  broker: StoreBroker;
  child: ChildProcess;
  next(): Promise<Record<string, number | boolean>>;
}

async function main() {
  const dir = scratchDir();
  const children: ChildProcess[] = [];
  const brokers: StoreBroker[] = [];
  const nats = await startNatsCluster(dir.path, 3, RANGE);
  const urls = nats.nodes.map((n) => n.mqttUrl);
  try {
    const clog = openCentralLog(join(dir.path, "central.db"));
    const serve = await serveCatchUp(clog, 0);
    const central = await connectChain(nats.urls, "bench-central");
    const rollUp = await watchRollUp(central);
    const changeBytes = Buffer.byteLength(pricesCsv((i) => 210 + (i % 500)));

    log(`raw baseline: NATS MQTT, QoS 1`);
    const raw = await baselineRate(urls, 5_000);
    const fan = await baselineFanout(urls, N, changeBytes + 200, 5);

    log(`starting ${N} stores × ${M} labels`);
    const stores: StoreProc[] = [];
    for (let i = 0; i < N; i++) {
      const id = `bench-${i + 1}`;
      const order = [...urls.slice(i % urls.length), ...urls.slice(0, i % urls.length)].join(",");
      const broker = await startStoreBroker(dir.path, id, order, RANGE);
      brokers.push(broker);
      const child = spawn(process.execPath, ["--import", "tsx", fromPackageRoot("bench", "chain-store.ts")], {
        stdio: ["ignore", "ignore", "inherit", "ipc"],
        env: {
          ...process.env,
          BENCH_CHAIN_STORE: JSON.stringify({
            storeId: id,
            brokerUrl: broker.url,
            centralUrl: `${serve.url}/stores/${id}`,
            labels: M,
            dbPath: join(dir.path, `${id}.db`),
          }),
        },
      });
      children.push(child);
      const inbox: Record<string, number | boolean>[] = [];
      const waiting: ((m: Record<string, number | boolean>) => void)[] = [];
      child.on("message", (m: Record<string, number | boolean>) => {
        const w = waiting.shift();
        if (w) w(m);
        else inbox.push(m);
      });
      child.on("exit", (code) => {
        if (code) log(`store ${id} exited with ${code}`);
      });
      stores.push({
        id,
        broker,
        child,
        next: () => {
          const m = inbox.shift();
          return m ? Promise.resolve(m) : new Promise((r) => waiting.push(r));
        },
      });
    }
    await Promise.all(stores.map((s) => s.next()));
    while (!stores.every((s) => rollUp.statuses.has(s.id))) await sleep(100);
    log("stores up; loading the catalogue over the chain");
    const skus = Array.from({ length: M }, (_, i) => `SKU${i},Product ${i}`).join("\n");
    await publishChange(
      { client: central, log: clog },
      { feed: "products", format: "csv", body: `sku,name\n${skus}\n` },
    );
    await publishChange(
      { client: central, log: clog },
      { feed: "prices", format: "csv", body: pricesCsv((i) => 200 + (i % 500)) },
    );
    for (const s of stores) s.child.send({ link: true });
    await Promise.all(stores.map((s) => s.next()));
    log("every label in sync; publishing the change");
    await sleep(1_000);

    for (const s of stores) s.child.send({ watch: 2 });
    const t0 = Date.now();
    let rollUpAt = 0;
    const change = await publishChange(
      { client: central, log: clog },
      { feed: "prices", format: "csv", body: pricesCsv((i) => 210 + (i % 500)) },
    );
    const publishedAt = Date.now();
    const rolled = (async () => {
      for (;;) {
        const p = progressOf(rollUp.statuses.values(), change.changeId);
        if (p.stores.showing === N && p.labels.showing === N * M) return Date.now();
        await sleep(20);
      }
    })();
    const results = await Promise.all(stores.map((s) => s.next()));
    rollUpAt = await rolled;
    const applied = results.map((r) => ms(t0, r.appliedAt as number));
    const inSync = results.map((r) => ms(t0, r.inSyncAt as number));

    const rows: [string, string][] = [
      ["stores × labels", `${N} × ${M.toLocaleString("en")} = ${(N * M).toLocaleString("en")} labels`],
      [
        "change",
        `${change.changeId}: ${M.toLocaleString("en")} price rows, ${(changeBytes / 1024).toFixed(0)} KiB`,
      ],
      ["publish acknowledged by the chain broker", `${ms(t0, publishedAt)} ms`],
      [
        "store applied: first / median / last",
        `${Math.min(...applied)} / ${median(applied)} / ${Math.max(...applied)} ms`,
      ],
      [
        "store 100 % labels in sync: first / median / last",
        `${Math.min(...inSync)} / ${median(inSync)} / ${Math.max(...inSync)} ms`,
      ],
      ["central roll-up shows 100 % (stores and labels)", `${ms(t0, rollUpAt)} ms`],
      [
        "raw: NATS MQTT QoS 1, 200 B, node 1 → node 2",
        `${raw.perSec.toLocaleString("en")} msg/s (5,000 in ${raw.ms} ms)`,
      ],
      [
        `raw: one ${(changeBytes / 1024).toFixed(0)} KiB message → ${N} subscribers (3 nodes)`,
        `${fan.ms} ms (${fan.deliveriesPerSec.toLocaleString("en")} deliveries/s, ${fan.mbPerSec.toFixed(0)} MB/s)`,
      ],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`| ${"measure".padEnd(w)} | value |\n|${"-".repeat(w + 2)}|-------|\n`);
    for (const [k, v] of rows) process.stdout.write(`| ${k.padEnd(w)} | ${v} |\n`);
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({ N, M, changeBytes, publishMs: ms(t0, publishedAt), applied, inSync, rollUpMs: ms(t0, rollUpAt), raw, fan })}\n`,
      );
    for (const s of stores) s.child.send({ stop: true });
    await Promise.all(
      stores.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once("exit", r)))),
    );
    await central.endAsync();
    await serve.close();
    clog.close();
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    for (const b of brokers) await b.kill();
    await nats.stop();
    dir.cleanup();
  }
}

await main();
