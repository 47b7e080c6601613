import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import { Aedes } from "aedes";
import { connect, type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type BridgeAdapter,
  type BridgeContext,
  backoffDelay,
  CheckInRing,
  checkInsDue,
  createSimulatedAdapter,
  type LabelStateReport,
  LatestApplyQueue,
  type SimulatedAccessPoint,
  type SimulatedAccessPointOptions,
  silentLogger,
  startBridge,
  startSimulatedAccessPoint,
} from "../firmware-bridge/index.ts";
import { parseCommandLine } from "../firmware-bridge/main.ts";
import {
  availabilitySchema,
  bridgeLabelsSchema,
  type LabelContent,
  type LabelDescriptor,
  type LabelState,
  labelStateSchema,
  parseTopic,
  storeTopics,
} from "../schemas/index.ts";
import { captureLogger, MOSQUITTO_URL, npmScript, waitUntil } from "./support/harness.ts";

// ---------------------------------------------------------------- helpers

function content(labelId: string, version: number, name = `Product ${version}`): LabelContent {
  const body = { labelId, sku: "sku-1", name, version };
  return {
    v: 1,
    labelId,
    sku: "sku-1",
    name,
    price: { amountMinor: 249 + version, currency: "EUR", text: `€${((249 + version) / 100).toFixed(2)}` },
    stock: "in_stock",
    contentHash: createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 32),
    version,
  };
}

interface Seen {
  topic: string;
  text: string;
  retain: boolean;
}

/** A plain MQTT.js client playing the controller: watches bridge and label state, publishes content. */
class FakeController {
  readonly seen: Seen[] = [];
  /** Latest state per label, kept as they arrive so big fleets need no rescans. */
  readonly latestState = new Map<string, LabelState>();
  readonly retainedTopics = new Set<string>();
  readonly topics;

  private constructor(
    readonly client: MqttClient,
    readonly storeId: string,
  ) {
    this.topics = storeTopics(storeId);
    client.on("message", (topic, payload, packet) => {
      const text = payload.toString();
      this.seen.push({ topic, text, retain: packet.retain });
      const parsed = parseTopic(topic);
      if (parsed?.kind === "label" && parsed.leaf === "state") {
        this.latestState.set(parsed.labelId, labelStateSchema.parse(JSON.parse(text)));
      }
    });
  }

  static async connect(url: string, storeId: string): Promise<FakeController> {
    const client = await new Promise<MqttClient>((resolve, reject) => {
      const c = connect(url, { clientId: `ctl-${randomUUID().slice(0, 8)}`, reconnectPeriod: 200 });
      c.once("connect", () => resolve(c));
      c.once("error", reject);
    });
    const controller = new FakeController(client, storeId);
    const t = controller.topics;
    await client.subscribeAsync([t.anyBridge("status"), t.anyBridge("labels"), t.anyLabel("state")], {
      qos: 1,
    });
    return controller;
  }

  states(labelId: string): LabelState[] {
    const topic = this.topics.label(labelId, "state");
    return this.seen.filter((m) => m.topic === topic).map((m) => labelStateSchema.parse(JSON.parse(m.text)));
  }

  statuses(bridgeId: string) {
    const topic = this.topics.bridge(bridgeId, "status");
    return this.seen
      .filter((m) => m.topic === topic && m.text.length > 0)
      .map((m) => ({ ...availabilitySchema.parse(JSON.parse(m.text)), retain: m.retain }));
  }

  inventories(bridgeId: string) {
    const topic = this.topics.bridge(bridgeId, "labels");
    return this.seen
      .filter((m) => m.topic === topic && m.text.length > 0)
      .map((m) => ({ ...bridgeLabelsSchema.parse(JSON.parse(m.text)), retain: m.retain }));
  }

  async publishContent(labelId: string, body: LabelContent | string | null): Promise<void> {
    const topic = this.topics.label(labelId, "content");
    const payload = body === null ? "" : typeof body === "string" ? body : JSON.stringify(body);
    this.retainedTopics.add(topic);
    await this.client.publishAsync(topic, payload, { qos: 1, retain: true });
  }

  async publishCommand(labelId: string, body: unknown): Promise<void> {
    const payload = typeof body === "string" ? body : JSON.stringify(body);
    await this.client.publishAsync(this.topics.label(labelId, "command"), payload, { qos: 1 });
  }

  /** Remove what the test left retained on a shared broker, then disconnect. */
  async close(bridgeIds: string[]): Promise<void> {
    for (const id of bridgeIds) {
      this.retainedTopics.add(this.topics.bridge(id, "status"));
      this.retainedTopics.add(this.topics.bridge(id, "labels"));
    }
    await Promise.all(
      [...this.retainedTopics].map((topic) => this.client.publishAsync(topic, "", { qos: 1, retain: true })),
    );
    await this.client.endAsync();
  }
}

interface InProcessBroker {
  url: string;
  port: number;
  broker: Aedes;
  close(): Promise<void>;
}

async function startAedes(port = 0): Promise<InProcessBroker> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    port: actual,
    broker,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}

const quick: SimulatedAccessPointOptions = {
  radioDelayMs: 20,
  radioJitterMs: 0,
  failureRate: 0,
  checkInSeconds: 3_600,
  seed: 7,
  reconnect: { initialMs: 50, maxMs: 200 },
  applyRetry: { initialMs: 20, maxMs: 80 },
};

// ---------------------------------------------------------------- pure parts

describe("bridge core building blocks", () => {
  it("backoff grows exponentially, stays within [cap/2, cap] and never passes the maximum", () => {
    const opts = { initialMs: 100, maxMs: 30_000 };
    expect(backoffDelay(1, { ...opts, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...opts, random: () => 0.999999 })).toBe(100);
    expect(backoffDelay(4, { ...opts, random: () => 0 })).toBe(400);
    for (let attempt = 1; attempt < 200; attempt++) {
      const d = backoffDelay(attempt, opts);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThanOrEqual(30_000);
    }
    expect(backoffDelay(50, { ...opts, random: () => 0 })).toBe(15_000);
  });

  it("the apply queue runs one apply per key and then only the newest value", async () => {
    const started: string[] = [];
    const finish: Array<() => void> = [];
    const queue = new LatestApplyQueue<string>({
      retryDelay: () => 1,
      apply: (_key, value) => {
        started.push(value);
        return new Promise((resolve) => finish.push(() => resolve({ ok: true })));
      },
    });
    queue.submit("a", "v1");
    queue.submit("a", "v2");
    queue.submit("a", "v3");
    queue.submit("b", "w1");
    expect(started).toEqual(["v1", "w1"]);
    finish.shift()!();
    await waitUntil("v3 to start", () => started.length === 3);
    expect(started).toEqual(["v1", "w1", "v3"]);
    finish.splice(0).forEach((f) => {
      f();
    });
    await waitUntil("queue to drain", () => queue.stats.running === 0);
    expect(started).toEqual(["v1", "w1", "v3"]);
  });

  it("the apply queue retries a failure, unless newer content replaced it, and honours a concurrency cap", async () => {
    const attempts: string[] = [];
    let failuresLeft = 2;
    const queue = new LatestApplyQueue<string>({
      maxConcurrent: 1,
      retryDelay: () => 5,
      apply: async (key, value) => {
        attempts.push(`${key}:${value}`);
        if (key === "a" && failuresLeft-- > 0) return { ok: false, reason: "no ack" };
        return { ok: true };
      },
    });
    queue.submit("a", "v1");
    queue.submit("b", "w1");
    await waitUntil("retries to succeed", () => attempts.filter((a) => a === "a:v1").length === 3);
    await waitUntil("idle", () => queue.stats.running + queue.stats.retrying + queue.stats.waiting === 0);
    expect(attempts[0]).toBe("a:v1");
    expect(attempts).toContain("b:w1");

    let fail = true;
    const seen: string[] = [];
    const q2 = new LatestApplyQueue<string>({
      retryDelay: () => 60_000,
      apply: async (_key, value) => {
        seen.push(value);
        return fail ? { ok: false, reason: "no ack" } : { ok: true };
      },
    });
    q2.submit("x", "old");
    await waitUntil("the failure to schedule a retry", () => q2.stats.retrying === 1);
    fail = false;
    q2.submit("x", "new");
    await waitUntil("the new value to be applied", () => seen.includes("new"));
    expect(q2.stats.retrying).toBe(0);
    expect(seen).toEqual(["old", "new"]);
    q2.stop();
    queue.stop();
  });

  it("check-ins are spread evenly: each label once per interval, half of them by half-time", () => {
    expect(checkInsDue(0, 1_000, 10)).toBe(0);
    expect(checkInsDue(500, 1_000, 10)).toBe(5);
    expect(checkInsDue(1_000, 1_000, 10)).toBe(10);
    let now = 0;
    const reported: number[] = [];
    const ring = new CheckInRing({
      intervalMs: 1_000,
      count: () => 4,
      onCheckIn: (i) => reported.push(i),
      now: () => now,
    });
    ring.start();
    ring.stop();
    now = 500;
    ring.tick();
    expect(reported).toEqual([0, 1]);
    now = 1_000;
    ring.tick();
    expect(reported).toEqual([0, 1, 2, 3]);
    now = 60_000; // a long stall: every label once, not 236 catch-up reports
    ring.tick();
    expect(reported.length).toBe(8);
    expect(new Set(reported.slice(4))).toEqual(new Set([0, 1, 2, 3]));
  });

  it("the simulated fleet has padded ids and cycles through realistic panels", () => {
    const adapter = createSimulatedAdapter({ bridgeId: "ap1", labels: 6 });
    expect(adapter.labelIds[0]).toBe("ap1-00001");
    expect(adapter.labelIds[5]).toBe("ap1-00006");
    const labels = adapter.labels();
    expect(labels[0]).toEqual({
      labelId: "ap1-00001",
      model: "sim-2.9-bwr",
      width: 296,
      height: 128,
      colors: "bwr",
    });
    expect(labels[1]).toMatchObject({ model: "sim-2.13-bw", width: 250, height: 122, colors: "bw" });
    expect(labels[2]).toMatchObject({ model: "sim-4.2-bwr", width: 400, height: 300, colors: "bwr" });
    expect(new Set(labels.map((l) => l.model)).size).toBeGreaterThanOrEqual(5);
    expect(adapter.displayedHash("ap1-00001")).toBeNull();
    expect(adapter.displayedHash("nope")).toBeUndefined();
    expect(() => createSimulatedAdapter({ bridgeId: "ap1", labels: 0 })).toThrow();
    expect(() => adapter.setFailureRate(2)).toThrow(RangeError);
  });
});

describe("simulated adapter alone", () => {
  it("reports at start, applies with the radio, drains the battery and records flashes", async () => {
    const adapter = createSimulatedAdapter({
      bridgeId: "ap9",
      labels: 2,
      radioDelayMs: 0,
      failureRate: 0,
      seed: 1,
    });
    const reports: Array<{ labelId: string; report: LabelStateReport }> = [];
    adapter.start({
      storeId: "s",
      bridgeId: "ap9",
      logger: silentLogger,
      reportState: (labelId, report) => reports.push({ labelId, report }),
      labelsChanged: () => {},
      publishImage: async () => {},
    });
    expect(reports.map((r) => r.labelId)).toEqual(["ap9-00001", "ap9-00002"]);
    expect(reports.every((r) => r.report.displayedHash === null)).toBe(true);
    const before = reports[0]!.report.battery!;
    for (let v = 1; v <= 10; v++) {
      expect(await adapter.applyContent("ap9-00001", content("ap9-00001", v))).toEqual({ ok: true });
    }
    const last = reports.at(-1)!.report;
    expect(last).toMatchObject({ displayedHash: content("ap9-00001", 10).contentHash, version: 10 });
    expect(last.battery!).toBeLessThan(before);
    expect(last.rssi!).toBeLessThan(-19);
    // Same picture again: no transfer, just a report.
    expect(await adapter.applyContent("ap9-00001", content("ap9-00001", 10))).toEqual({ ok: true });
    expect(adapter.stats).toMatchObject({ applies: 10, unchanged: 1, failures: 0 });
    expect((await adapter.applyContent("ap9-99999", null)).ok).toBe(false);
    await adapter.command("ap9-00002", {
      v: 1,
      command: "flash",
      commandId: "x",
      color: "blue",
      pattern: "solid",
      seconds: 3,
    });
    expect(adapter.flashes).toMatchObject([
      { labelId: "ap9-00002", color: "blue", pattern: "solid", seconds: 3 },
    ]);
    await adapter.stop();
  });

  it("a stop settles transfers still in the air", async () => {
    const adapter = createSimulatedAdapter({ bridgeId: "ap9", labels: 1, radioDelayMs: 60_000 });
    adapter.start({
      storeId: "s",
      bridgeId: "ap9",
      logger: silentLogger,
      reportState() {},
      labelsChanged() {},
      async publishImage() {},
    });
    const pending = adapter.applyContent("ap9-00001", content("ap9-00001", 1));
    expect(adapter.stats.inFlight).toBe(1);
    await adapter.stop();
    expect(await pending).toMatchObject({ ok: false, retry: false });
    expect(adapter.displayedHash("ap9-00001")).toBeNull();
  });
});

describe("bridge runtime with another adapter", () => {
  it("republishes the inventory when labels come and go, and new labels get their retained content", async () => {
    const storeId = `t${randomUUID().slice(0, 8)}`;
    const ctl = await FakeController.connect(MOSQUITTO_URL, storeId);
    const present: LabelDescriptor[] = [
      { labelId: "n-1", model: "native-2.9", width: 296, height: 128, colors: "bw" },
    ];
    const applied: string[] = [];
    let ctx: BridgeContext | undefined;
    const adapter: BridgeAdapter = {
      kind: "native-test",
      start: (context) => {
        ctx = context;
      },
      labels: () => present,
      applyContent: async (labelId, c) => {
        applied.push(`${labelId}:${c?.version}`);
        ctx!.reportState(labelId, { displayedHash: c?.contentHash ?? null, version: c?.version });
        return { ok: true };
      },
      command: () => {},
      stop: () => {},
    };
    const late = content("n-2", 7);
    await ctl.publishContent("n-2", late); // retained before the label exists
    const bridge = await startBridge({
      mqttUrl: MOSQUITTO_URL,
      storeId,
      bridgeId: "native1",
      adapter,
      logger: silentLogger,
    });
    try {
      await bridge.ready;
      await waitUntil("the first inventory", () => ctl.inventories("native1").length === 1);
      expect(ctl.inventories("native1")[0]).toMatchObject({ kind: "native-test", labels: present });
      expect(applied).toEqual([]);

      present.push({ labelId: "n-2", model: "native-4.2", width: 400, height: 300, colors: "bwr" });
      ctx!.labelsChanged();
      await waitUntil("the new inventory", () => ctl.inventories("native1").length === 2);
      expect(ctl.inventories("native1")[1]!.labels.map((l) => l.labelId)).toEqual(["n-1", "n-2"]);
      await waitUntil("the new label's retained content", () => applied.includes("n-2:7"));
      await waitUntil("its state", () => ctl.latestState.get("n-2")?.displayedHash === late.contentHash);

      present.splice(0, 1);
      ctx!.labelsChanged();
      await waitUntil("the shrunk inventory", () => ctl.inventories("native1").length === 3);
      await ctl.publishContent("n-1", content("n-1", 1));
      await ctl.publishContent("n-2", content("n-2", 8));
      await waitUntil("n-2's update", () => applied.includes("n-2:8"));
      expect(applied.some((a) => a.startsWith("n-1"))).toBe(false);
    } finally {
      await bridge.stop();
      await ctl.close(["native1"]);
    }
  });
});

describe("bridge CLI", () => {
  it("validates flags and environment with errors that name the option", () => {
    const ok = parseCommandLine(["simulated", "--labels", "5", "--bridge-id", "ap1"], {
      SHELFSYNC_STORE_ID: "s9",
    });
    expect(ok.common).toMatchObject({ storeId: "s9", bridgeId: "ap1", mqttUrl: "mqtt://127.0.0.1:1883" });
    expect(ok.flags.labels).toBe("5");
    const defaults = parseCommandLine(["simulated"], {});
    expect(defaults.common).toMatchObject({ storeId: "store-1", bridgeId: "sim-ap" });
    expect(() => parseCommandLine(["simulated", "--failure-rate"], {})).toThrow(/failure-rate/);
    expect(() => parseCommandLine(["teapot"], {})).toThrow(/unknown bridge kind "teapot"/);
    expect(() => parseCommandLine(["simulated"], { SHELFSYNC_MQTT_URL: "http://x" })).toThrow(
      /^SHELFSYNC_MQTT_URL: must be a broker URL/,
    );
    expect(() => parseCommandLine(["simulated", "--store-id", "a/b"], {})).toThrow(/^--store-id:/);
  });

  it("signs in from SHELFSYNC_MQTT_USERNAME / _PASSWORD, the username being the bridge id", () => {
    const env = { SHELFSYNC_MQTT_USERNAME: "ap7", SHELFSYNC_MQTT_PASSWORD: "ss_token" };
    const signed = parseCommandLine(["simulated"], env);
    expect(signed.common.bridgeId).toBe("ap7");
    expect(signed.login).toEqual({ username: "ap7", password: "ss_token" });
    expect(parseCommandLine(["simulated"], {}).login).toEqual({});
    expect(() => parseCommandLine(["simulated", "--bridge-id", "ap8"], env)).toThrow(
      /signs in under its own id/,
    );
    expect(() => parseCommandLine(["simulated"], { SHELFSYNC_MQTT_USERNAME: "ap7" })).toThrow(/both/);
  });

  it("a bad value exits with code 2 and one clear line", () => {
    const run = spawnSync(...npmScript("bridge", "simulated", "--failure-rate", "1.5"), {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('shelfsync bridge: --failure-rate: must be at most 1 (got "1.5")');
  });

  it("runs as a process against Mosquitto and goes offline cleanly on SIGTERM", async () => {
    const storeId = `t${randomUUID().slice(0, 8)}`;
    const ctl = await FakeController.connect(MOSQUITTO_URL, storeId);
    let child: ChildProcess | undefined;
    try {
      child = spawn(...npmScript("bridge", "simulated", "--labels", "3", "--radio-delay-ms", "5"), {
        env: { ...process.env, SHELFSYNC_MQTT_URL: MOSQUITTO_URL, SHELFSYNC_STORE_ID: storeId },
        stdio: ["ignore", "ignore", "pipe"],
      });
      const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
      await waitUntil("the CLI bridge inventory", () => ctl.inventories("sim-ap").length > 0);
      expect(ctl.inventories("sim-ap")[0]!.labels.map((l) => l.labelId)).toEqual([
        "sim-ap-00001",
        "sim-ap-00002",
        "sim-ap-00003",
      ]);
      await ctl.publishContent("sim-ap-00002", content("sim-ap-00002", 1));
      await waitUntil("the label to show it", () => ctl.latestState.get("sim-ap-00002")?.version === 1);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await waitUntil("offline", () => ctl.statuses("sim-ap").at(-1)?.state === "offline");
    } finally {
      if (child && child.exitCode === null) child.kill("SIGKILL");
      await ctl.close(["sim-ap"]);
    }
  });
});

// ---------------------------------------------------------------- against real brokers

const brokers: Array<{ name: string; url: () => string; aedes: () => Aedes | undefined }> = [];
let aedes: InProcessBroker | undefined;
brokers.push({ name: "mosquitto", url: () => MOSQUITTO_URL, aedes: () => undefined });
brokers.push({ name: "aedes", url: () => aedes!.url, aedes: () => aedes!.broker });

beforeAll(async () => {
  aedes = await startAedes();
});
afterAll(async () => {
  await aedes?.close();
});

describe.each(brokers)("simulated access point on $name", ({ url, aedes: inProcess }) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(options: SimulatedAccessPointOptions = {}) {
    const storeId = `t${randomUUID().slice(0, 8)}`;
    const bridgeId = options.bridgeId ?? "ap1";
    const logger = captureLogger();
    const ctl = await FakeController.connect(url(), storeId);
    let ap: SimulatedAccessPoint | undefined;
    cleanups.push(async () => {
      await ap?.stop();
      await ctl.close([bridgeId]);
    });
    ap = await startSimulatedAccessPoint({
      ...quick,
      labels: 3,
      ...options,
      mqttUrl: url(),
      storeId,
      bridgeId,
      logger,
    });
    return { ctl, ap, logger, storeId, bridgeId };
  }

  it("announces itself retained on connect: online status and its inventory", async () => {
    const { ap, storeId } = await setUp({ labels: 4 });
    // A controller that comes later still learns both, from the retained messages.
    const late = await FakeController.connect(url(), storeId);
    try {
      await waitUntil(
        "retained status and inventory",
        () => late.inventories("ap1").length > 0 && late.statuses("ap1").length > 0,
      );
      const status = late.statuses("ap1")[0]!;
      expect(status).toMatchObject({ state: "online", retain: true });
      expect(typeof status.ts).toBe("number");
      const inventory = late.inventories("ap1")[0]!;
      expect(inventory).toMatchObject({ v: 1, bridgeId: "ap1", kind: "simulated", retain: true });
      expect(inventory.labels.map((l) => l.labelId)).toEqual(ap.labelIds);
      expect(inventory.labels[0]).toMatchObject({
        model: "sim-2.9-bwr",
        width: 296,
        height: 128,
        colors: "bwr",
      });
    } finally {
      await late.client.endAsync();
    }
  });

  it("reports every label at start (nothing shown), then the new hash once content is over the air", async () => {
    const { ctl, ap } = await setUp();
    await waitUntil("start-up reports", () => ap.labelIds.every((id) => ctl.latestState.has(id)));
    for (const id of ap.labelIds) {
      const state = ctl.latestState.get(id)!;
      expect(state.displayedHash).toBeNull();
      expect(state.battery).toBeGreaterThan(0);
      expect(state.rssi).toBeLessThan(0);
    }
    const c = content("ap1-00002", 3);
    await ctl.publishContent("ap1-00002", c);
    await waitUntil(
      "the label state",
      () => ctl.latestState.get("ap1-00002")?.displayedHash === c.contentHash,
    );
    expect(ctl.latestState.get("ap1-00002")).toMatchObject({ v: 1, version: 3 });
    expect(ap.displayedHash("ap1-00002")).toBe(c.contentHash);
    expect(ap.displayedHash("ap1-00001")).toBeNull();
    expect(ap.stats.applies).toBe(1);

    // Cleared content (empty retained payload) blanks the label.
    await ctl.publishContent("ap1-00002", null);
    await waitUntil("the cleared state", () => ap.displayedHash("ap1-00002") === null);
    await waitUntil("the cleared report", () => ctl.latestState.get("ap1-00002")?.displayedHash === null);
  });

  it("coalesces: content arriving during a transfer is replaced by the newest, the middle one never shows", async () => {
    const { ctl, ap } = await setUp({ radioDelayMs: 800, radioJitterMs: 0 });
    const [v1, v2, v3] = [1, 2, 3].map((v) => content("ap1-00001", v));
    await ctl.publishContent("ap1-00001", v1!);
    await waitUntil("the first transfer to start", () => ap.stats.inFlight === 1);
    await ctl.publishContent("ap1-00001", v2!);
    await ctl.publishContent("ap1-00001", v3!);
    await waitUntil(
      "the newest content",
      () => ctl.latestState.get("ap1-00001")?.displayedHash === v3!.contentHash,
    );
    const shown = ctl.states("ap1-00001").map((s) => s.displayedHash);
    expect(shown).toContain(v1!.contentHash);
    expect(shown).not.toContain(v2!.contentHash);
    expect(ap.stats.applies).toBe(2);
    expect(ap.bridge.stats.contentReceived).toBe(3);
  });

  it("retries failed transfers with backoff until they succeed", async () => {
    const { ctl, ap } = await setUp({ failureRate: 1 });
    const c = content("ap1-00003", 9);
    await ctl.publishContent("ap1-00003", c);
    await waitUntil("several failed attempts", () => ap.stats.failures >= 3);
    expect(ap.displayedHash("ap1-00003")).toBeNull();
    expect(ctl.states("ap1-00003").some((s) => s.displayedHash === c.contentHash)).toBe(false);
    expect(ap.bridge.stats.retrying).toBe(1);
    ap.setFailureRate(0);
    await waitUntil(
      "the retry to get through",
      () => ctl.latestState.get("ap1-00003")?.displayedHash === c.contentHash,
    );
    expect(ap.stats.applies).toBe(1);
    await waitUntil("no retry left", () => ap.bridge.stats.retrying === 0);
  });

  it("logs a bad payload with its topic and field and keeps working", async () => {
    const { ctl, ap, logger } = await setUp();
    const bad = { ...content("ap1-00001", 1), price: { amountMinor: 2.5, currency: "EUR", text: "2.50" } };
    await ctl.publishContent("ap1-00001", JSON.stringify(bad));
    await ctl.publishContent("ap1-00002", "{not json");
    await ctl.publishContent("ap1-00003", content("ap1-00001", 1)); // labelId disagrees with the topic
    await ctl.publishCommand("ap1-00001", { v: 1, command: "flash", commandId: "c1", color: "purple" });
    await waitUntil("four warnings", () => logger.lines.filter((l) => l.level === "warn").length >= 4);
    const warnings = logger.lines.filter((l) => l.level === "warn");
    expect(warnings[0]!.fields).toMatchObject({
      topic: ctl.topics.label("ap1-00001", "content"),
      field: "price.amountMinor",
    });
    expect(warnings[1]!.fields).toMatchObject({
      topic: ctl.topics.label("ap1-00002", "content"),
      field: "(payload)",
    });
    expect(warnings[2]!.fields).toMatchObject({ field: "labelId" });
    expect(warnings[3]!.fields).toMatchObject({
      topic: ctl.topics.label("ap1-00001", "command"),
      field: "color",
    });
    expect(ap.bridge.stats.invalidPayloads).toBe(4);

    const good = content("ap1-00001", 2);
    await ctl.publishContent("ap1-00001", good);
    await waitUntil(
      "good content after bad",
      () => ctl.latestState.get("ap1-00001")?.displayedHash === good.contentHash,
    );
    expect(ap.flashes).toEqual([]);
  });

  it("records flash and page commands, and leaves other bridges' labels alone", async () => {
    const { ctl, ap } = await setUp();
    await ctl.publishCommand("ap1-00002", {
      v: 1,
      command: "flash",
      commandId: "f1",
      color: "red",
      pattern: "pulse",
      seconds: 5,
    });
    await ctl.publishCommand("ap1-00003", { v: 1, command: "page", commandId: "p1", page: 2 });
    await ctl.publishContent("other-00001", content("other-00001", 1));
    await ctl.publishContent("ap1-00001", content("ap1-00001", 1));
    await waitUntil("the commands", () => ap.flashes.length === 1 && ap.page("ap1-00003") === 2);
    expect(ap.flashes[0]).toMatchObject({
      labelId: "ap1-00002",
      commandId: "f1",
      color: "red",
      pattern: "pulse",
      seconds: 5,
    });
    await waitUntil("own content", () => ap.displayedHash("ap1-00001") !== null);
    expect(ctl.states("other-00001")).toEqual([]);
    expect(ap.bridge.stats.contentReceived).toBe(1);
  });

  it("periodic check-ins report each label again", async () => {
    const { ctl, ap } = await setUp({ checkInSeconds: 0.3 });
    await waitUntil("two check-in rounds", () => ap.stats.checkIns >= 6);
    for (const id of ap.labelIds) expect(ctl.states(id).length).toBeGreaterThanOrEqual(2);
  });

  it("the broker publishes the Last Will when the link dies, and the bridge comes back by itself", async () => {
    const { ctl, ap } = await setUp();
    await waitUntil("online", () => ctl.statuses("ap1").some((s) => s.state === "online"));
    const before = ctl.inventories("ap1").length;
    ap.bridge.client.stream.destroy();
    await waitUntil("the Last Will", () => ctl.statuses("ap1").some((s) => s.state === "offline"));
    const offlineAt = ctl.statuses("ap1").findIndex((s) => s.state === "offline");
    await waitUntil("back online", () =>
      ctl
        .statuses("ap1")
        .slice(offlineAt)
        .some((s) => s.state === "online"),
    );
    await waitUntil("inventory again", () => ctl.inventories("ap1").length > before);
    expect(ap.bridge.stats.connects).toBe(2);

    const c = content("ap1-00001", 5);
    await ctl.publishContent("ap1-00001", c);
    await waitUntil(
      "content after reconnect",
      () => ctl.latestState.get("ap1-00001")?.displayedHash === c.contentHash,
    );
  });

  it("stop publishes a retained offline status and disconnects", async () => {
    const { ctl, ap, storeId } = await setUp();
    await ap.stop();
    await waitUntil("offline", () => ctl.statuses("ap1").at(-1)?.state === "offline");
    expect(ap.bridge.online).toBe(false);
    expect(ap.bridge.client.connected).toBe(false);
    const late = await FakeController.connect(url(), storeId);
    try {
      await waitUntil("retained offline", () => late.statuses("ap1").length > 0);
      expect(late.statuses("ap1")[0]).toMatchObject({ state: "offline", retain: true });
    } finally {
      await late.client.endAsync();
    }
  });

  it("serves 2,000 labels on one connection", async () => {
    // Check-ins every 2 s: a broker may drop some of a 2,000-report burst to a slow subscriber
    // (Mosquitto does, even at QoS 0), and the periodic reports are how a controller still converges.
    const { ctl, ap } = await setUp({ labels: 2_000, radioDelayMs: 5, checkInSeconds: 2 });
    await waitUntil("the inventory", () => ctl.inventories("ap1").length > 0);
    expect(ctl.inventories("ap1")[0]!.labels).toHaveLength(2_000);
    expect(ap.labelIds.at(-1)).toBe("ap1-02000");
    const contents = ap.labelIds.map((id) => content(id, 1));
    await Promise.all(contents.map((c) => ctl.publishContent(c.labelId, c)));
    await waitUntil("every label to show its content", () =>
      contents.every((c) => ap.displayedHash(c.labelId) === c.contentHash),
    );
    expect(ap.stats.applies).toBe(2_000);
    await waitUntil("the controller to see every label right", () =>
      contents.every((c) => ctl.latestState.get(c.labelId)?.displayedHash === c.contentHash),
    );
    expect(ap.bridge.stats.connects).toBe(1);
    const broker = inProcess();
    if (broker) expect(broker.connectedClients).toBe(2); // the bridge and the fake controller, nothing per label
  });

  it("a content resync fetches every retained content again", async () => {
    const { ctl, ap } = await setUp({ contentResyncSeconds: 0.3 });
    const c = content("ap1-00001", 1);
    await ctl.publishContent("ap1-00001", c);
    await waitUntil("the content", () => ap.displayedHash("ap1-00001") === c.contentHash);
    await waitUntil(
      "a resync to redeliver it",
      () => ap.stats.unchanged >= 1 && ap.bridge.stats.resyncs >= 1,
    );
    expect(ap.stats.applies).toBe(1);
    expect(ap.bridge.stats.contentReceived).toBeGreaterThanOrEqual(2);
  });
});

describe("broker loss", () => {
  it("reconnects with backoff after the broker restarts and converges again", async () => {
    let broker = await startAedes();
    const port = broker.port;
    const storeId = `t${randomUUID().slice(0, 8)}`;
    const logger = captureLogger();
    const ap = await startSimulatedAccessPoint({
      ...quick,
      labels: 2,
      mqttUrl: broker.url,
      storeId,
      bridgeId: "ap1",
      logger,
    });
    try {
      await broker.close();
      await waitUntil("the bridge to notice", () => !ap.bridge.online);
      await waitUntil("a few failed reconnects", () =>
        logger.lines.some((l) => l.message === "broker still unreachable"),
      );
      broker = await startAedes(port);
      const ctl = await FakeController.connect(broker.url, storeId);
      try {
        await waitUntil("the bridge back online", () => ap.bridge.online);
        const c = content("ap1-00002", 4);
        await ctl.publishContent("ap1-00002", c);
        await waitUntil(
          "content after the restart",
          () => ctl.latestState.get("ap1-00002")?.displayedHash === c.contentHash,
        );
        const delays = logger.lines.flatMap((l) =>
          typeof l.fields?.retryInMs === "number" ? [l.fields.retryInMs] : [],
        );
        expect(delays.length).toBeGreaterThan(1);
        expect(delays.every((d) => d >= 25 && d <= 200)).toBe(true);
      } finally {
        await ctl.client.endAsync();
      }
    } finally {
      await ap.stop();
      await broker.close();
    }
  });
});
