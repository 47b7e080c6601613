import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { IClientOptions } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Controller, startController } from "../controller/app.ts";
import { loadConfig } from "../controller/config.ts";
import { createLogger } from "../controller/log.ts";
import { mosquittoHashMatches, writeMosquittoFiles } from "../controller/mqtt/mosquitto-files.ts";
import { openStores } from "../controller/store/index.ts";
import { type SimulatedAccessPoint, startSimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { PROTOCOL_VERSION, storeTopics } from "../schemas/index.ts";
import {
  api,
  npmScript,
  postFeed,
  TEST_ADMIN_TOKEN,
  tempDir,
  uniqueStoreId,
  waitFor,
} from "./support/harness.ts";
import {
  connectAs,
  tryConnect as connectProbe,
  forbiddenForBridgeAp1,
  tryPublish as publishProbe,
} from "./support/mqtt-probe.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const MARK = `forged-${randomUUID().slice(0, 8)}`;
/** Debian installs the broker in /usr/sbin, often not on a user's PATH. */
const MOSQUITTO =
  ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"].find((p) => existsSync(p)) ?? "mosquitto";

/** A port of this suite's own range (19200–19299) that is free now. */
async function freePortInRange(): Promise<number> {
  for (let port = 19200 + Math.floor(Math.random() * 50); port < 19300; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port in 19200–19299");
}

/**
 * Probes over MQTT 5: Mosquitto drops a refused QoS 0 publish silently and, over MQTT 3.1.1,
 * acknowledges a refused QoS 1 one all the same; over MQTT 5 the PUBACK carries the reason (0x87 not
 * authorised), which is what is counted.
 */
const tryPublish = (url: string, login: IClientOptions, topic: string, retain: boolean) =>
  publishProbe(url, login, topic, JSON.stringify({ v: PROTOCOL_VERSION, mark: MARK, displayedHash: MARK }), {
    retain,
    protocolVersion: 5,
  });
const tryConnect = (url: string, login: IClientOptions) => connectProbe(url, login, 5);

describe("Mosquitto with the password and ACL files the controller writes", () => {
  const dir = tempDir("shelfsync-mosquitto-");
  const storeId = uniqueStoreId();
  const t = storeTopics(storeId);
  const dbPath = join(dir.path, "shelfsync.db");
  const files = join(dir.path, "mosquitto");
  let broker: ChildProcess;
  let url: string;
  let ctl: Controller;
  let ap1: SimulatedAccessPoint;
  let ap2: SimulatedAccessPoint;
  const login: Record<string, { username: string; password: string }> = {};

  const writeFiles = () => {
    const stores = openStores(dbPath);
    try {
      return writeMosquittoFiles({
        dir: files,
        storeId,
        users: stores.tokens.mqttUsers(),
        labelsByBridge: stores.labels.labelsByBridge(),
      });
    } finally {
      stores.close();
    }
  };

  beforeAll(async () => {
    const stores = openStores(dbPath);
    for (const name of ["ap1", "ap2"])
      login[name] = { username: name, password: stores.tokens.create(name, "bridge", Date.now()) };
    login.ops = { username: "watcher", password: stores.tokens.create("watcher", "ops", Date.now()) };
    stores.close();
    const written = writeFiles();
    expect(written.users).toBe(3);

    const port = await freePortInRange();
    url = `mqtt://127.0.0.1:${port}`;
    writeFileSync(
      join(dir.path, "mosquitto.conf"),
      [
        // Run as root (CI containers), Mosquitto would switch to the `mosquitto` user, which may not
        // read a temp dir; as anyone else this line does nothing.
        "user root",
        "persistence false",
        `listener ${port} 127.0.0.1`,
        // The sign-in, rules and queue depth exactly as the store's Mosquitto includes them.
        `include_dir ${files}`,
        "",
      ].join("\n"),
    );
    broker = spawn(MOSQUITTO, ["-c", join(dir.path, "mosquitto.conf")], { stdio: "ignore" });
    await waitFor(
      async () => (await tryConnect(url, login.ops as IClientOptions)) === "accepted",
      10_000,
      "mosquitto up",
    );

    ctl = await startController(
      loadConfig({}, [], {
        storeId,
        httpPort: 0,
        httpHost: "127.0.0.1",
        dbPath,
        mqttUrl: url,
        mqttUsername: written.controller.username,
        mqttPassword: written.controller.password,
        adminToken: TEST_ADMIN_TOKEN,
        logLevel: "warn",
      }),
      { log: createLogger("warn") },
    );
    await waitFor(() => ctl.link.connected(), 10_000, "controller signed in to Mosquitto");
    const common = {
      mqttUrl: url,
      storeId,
      labels: 2,
      radioDelayMs: 5,
      radioJitterMs: 0,
      failureRate: 0,
      checkInSeconds: 3600,
      logger: quiet,
    };
    ap1 = await startSimulatedAccessPoint({ ...common, bridgeId: "ap1", seed: 1, mqttOptions: login.ap1 });
    ap2 = await startSimulatedAccessPoint({ ...common, bridgeId: "ap2", seed: 2, mqttOptions: login.ap2 });
    const all = [...ap1.labelIds, ...ap2.labelIds];
    await waitFor(() => all.every((id) => ctl.labels.get(id)?.bridgeId), 10_000, "labels announced");
    // The ACL names each bridge's labels: rewrite it now that they are known (with the command an
    // installer runs, on the file the controller is using), and reload Mosquitto.
    const run = spawnSync(
      ...npmScript("token", "mosquitto", "--out", files, "--db", dbPath, "--store-id", storeId),
      { encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`including ${files}/shelfsync.conf`);
    expect(readFileSync(join(files, "acl"), "utf8")).toContain(
      `topic write ${t.label(ap2.labelIds[0] as string, "state")}`,
    );
    // The controller's password was kept: it stays signed in across the reload.
    expect(readFileSync(join(files, "controller.env"), "utf8")).toContain(written.controller.password);
    // Four labels announced: the queue depth's floor (mosquitto-files.ts maxQueuedMessages).
    expect(readFileSync(join(files, "shelfsync.conf"), "utf8")).toContain("max_queued_messages 10000\n");
    broker.kill("SIGHUP");
    await waitFor(
      async () =>
        (await tryPublish(
          url,
          login.ap1 as IClientOptions,
          t.label(ap1.labelIds[0] as string, "state"),
          false,
        )) === "accepted",
      10_000,
      "the reloaded ACL lets ap1 report its own label",
    );
  });
  afterAll(async () => {
    await ap1?.stop();
    await ap2?.stop();
    await ctl?.stop();
    broker?.kill("SIGTERM");
    dir.cleanup();
  });

  it("writes password entries Mosquitto's own format checks, and signs in only the right name with the right token", async () => {
    const stores = openStores(dbPath);
    const ap1Entry = stores.tokens.mqttUsers().find((u) => u.name === "ap1")?.hash as string;
    stores.close();
    expect(ap1Entry).toMatch(/^\$7\$101\$/);
    expect(mosquittoHashMatches(ap1Entry, (login.ap1 as { password: string }).password)).toBe(true);
    expect(await tryConnect(url, {})).toBe("refused");
    expect(await tryConnect(url, { username: "ap1", password: "wrong" })).toBe("refused");
    expect(await tryConnect(url, { username: "ap2", password: login.ap1?.password })).toBe("refused");
    expect(await tryConnect(url, login.ap1 as IClientOptions)).toBe("accepted");
  });

  it("runs the store end to end through the ACL: every label in sync", async () => {
    await postFeed(
      ctl.httpUrl,
      "products",
      1,
      "sku,gtin,name,brand,netQuantity,unit,category,url\nA,,Apple,,1,kg,fruit,\n",
    );
    await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nA,2.49,EUR\n");
    for (const id of [...ap1.labelIds, ...ap2.labelIds])
      expect((await api(ctl.httpUrl, "PUT", `/labels/${id}/link`, { sku: "A" })).status).toBe(200);
    await waitFor(
      async () => (await api(ctl.httpUrl, "GET", "/sync")).json.inSync === 4,
      15_000,
      "labels in sync",
    );
  });

  it("refuses a bridge publishing as another bridge, another label's state or any content (PUBACK 0x87)", async () => {
    const { client: watcher } = await connectAs(url, login.ops as IClientOptions);
    const seen: string[] = [];
    watcher.on("message", (topic, payload) => {
      if (payload.toString().includes(MARK)) seen.push(topic);
    });
    await watcher.subscribeAsync(t.everything, { qos: 1 });
    const [mine] = ap1.labelIds as [string];
    const [theirs] = ap2.labelIds as [string];
    const attempts = forbiddenForBridgeAp1(t, mine, theirs);
    const ap1Login = login.ap1 as IClientOptions;
    const outcomes: Record<string, string> = {};
    for (const [what, topic, retain] of attempts)
      outcomes[what] = await tryPublish(url, ap1Login, topic, retain);
    const own = await tryPublish(url, ap1Login, t.label(mine, "state"), false);
    const refused = Object.values(outcomes).filter((o) => o === "refused").length;
    console.log(
      `[bar] Mosquitto: ${refused} of ${attempts.length} publishes with bridge ap1's credentials refused ` +
        `(PUBACK 0x87: as another bridge, another label's state, any content); its own label's state: ${own}`,
    );
    expect(outcomes).toEqual(Object.fromEntries(attempts.map(([what]) => [what, "refused"])));
    expect(own).toBe("accepted");
    await waitFor(() => seen.includes(t.label(mine, "state")), 5_000, "the accepted state delivered");
    expect(seen).toEqual([t.label(mine, "state")]);
    await watcher.endAsync();
  });
});
