import { randomUUID } from "node:crypto";
import type { IClientOptions } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { type SimulatedAccessPoint, startSimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { PROTOCOL_VERSION, storeTopics } from "../schemas/index.ts";
import {
  api,
  bridgeLogin,
  OPS_LOGIN,
  postFeed,
  recorder,
  startTestController,
  tokenFor,
  waitFor,
} from "./support/harness.ts";
import {
  connectAs,
  forbiddenForBridgeAp1,
  type ProbeOutcome,
  tryConnect,
  tryPublish,
} from "./support/mqtt-probe.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
/** Each refused payload carries this, so the watcher can tell whether any got through. */
const MARK = `forged-${randomUUID().slice(0, 8)}`;

/** A publish with bridge ap1's credentials (or ops'), over MQTT 3.1.1 as bridges connect. */
const probe = (url: string, login: IClientOptions, topic: string, retain: boolean) =>
  tryPublish(url, login, topic, JSON.stringify({ v: PROTOCOL_VERSION, mark: MARK, displayedHash: MARK }), {
    retain,
  });

describe("MQTT sign-in and ACLs on the embedded broker (SHELFSYNC_MQTT_AUTH=required)", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  let ap1: SimulatedAccessPoint;
  let ap2: SimulatedAccessPoint;
  let ap1Login: { username: string; password: string };
  let t: ReturnType<typeof storeTopics>;

  beforeAll(async () => {
    ctl = await startTestController("aedes");
    t = storeTopics(ctl.config.storeId);
    await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
    ap1Login = bridgeLogin(ctl, "ap1");
    const common = {
      mqttUrl: ctl.mqttUrl,
      storeId: ctl.config.storeId,
      labels: 2,
      radioDelayMs: 5,
      radioJitterMs: 0,
      failureRate: 0,
      checkInSeconds: 3600,
      logger: quiet,
    };
    ap1 = await startSimulatedAccessPoint({ ...common, bridgeId: "ap1", seed: 1, mqttOptions: ap1Login });
    ap2 = await startSimulatedAccessPoint({
      ...common,
      bridgeId: "ap2",
      seed: 2,
      mqttOptions: bridgeLogin(ctl, "ap2"),
    });
    await postFeed(
      ctl.httpUrl,
      "products",
      1,
      "sku,gtin,name,brand,netQuantity,unit,category,url\nA,,Apple,,1,kg,fruit,\n",
    );
    await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nA,2.49,EUR\n");
    const all = [...ap1.labelIds, ...ap2.labelIds];
    await waitFor(() => all.every((id) => ctl.labels.get(id)), 5_000, "labels announced");
    for (const id of all)
      expect((await api(ctl.httpUrl, "PUT", `/labels/${id}/link`, { sku: "A" })).status).toBe(200);
  });
  afterAll(async () => {
    await ap1?.stop();
    await ap2?.stop();
    await ctl?.cleanup();
  });

  it("bridges that signed in work end to end: every label in sync, owned by the bridge that announced it", async () => {
    await waitFor(
      async () => (await api(ctl.httpUrl, "GET", "/sync")).json.inSync === 4,
      10_000,
      "labels in sync",
    );
    expect(ctl.labels.get(ap2.labelIds[0] as string)?.bridgeId).toBe("ap2");
  });

  it("signs in only bridges and ops with their own token under their own name", async () => {
    const staff = tokenFor(ctl, "staff", "someone");
    const url = ctl.mqttUrl;
    expect(await tryConnect(url, {})).toBe("refused");
    expect(await tryConnect(url, { username: "ap1", password: "not-the-token" })).toBe("refused");
    expect(await tryConnect(url, { username: "ap2", password: ap1Login.password })).toBe("refused");
    expect(await tryConnect(url, { username: "someone", password: staff })).toBe("refused");
    expect(await tryConnect(url, { username: "shelfsync-controller", password: ap1Login.password })).toBe(
      "refused",
    );
    expect(await tryConnect(url, ap1Login)).toBe("accepted");
    expect(await tryConnect(url, OPS_LOGIN)).toBe("accepted");
    expect(ctl.broker?.refused.connect).toBeGreaterThanOrEqual(5);
  });

  it("refuses a bridge publishing as another bridge, another label's state, any content, command or stray retained message", async () => {
    const watcher = await recorder(ctl.mqttUrl, [t.everything]);
    const [mine] = ap1.labelIds as [string];
    const [theirs] = ap2.labelIds as [string];
    const attempts = [
      ...forbiddenForBridgeAp1(t, mine, theirs),
      // The embedded broker also refuses a retained state (a state is news, not a record), which
      // Mosquitto's ACLs, blind to the retain flag, cannot.
      ["its own label's state, retained", t.label(mine, "state"), true] as [string, string, boolean],
    ];
    const outcomes: Record<string, ProbeOutcome> = {};
    for (const [what, topic, retain] of attempts)
      outcomes[what] = await probe(ctl.mqttUrl, ap1Login, topic, retain);
    // The one thing it may do, on the same terms: its own label's state.
    const own = await probe(ctl.mqttUrl, ap1Login, t.label(mine, "state"), false);
    const refusedCount = Object.values(outcomes).filter((o) => o === "refused").length;
    console.log(
      `[bar] embedded broker: ${refusedCount} of ${attempts.length} publishes with bridge ap1's credentials refused ` +
        `(as another bridge, another label's state, any content); its own label's state: ${own}`,
    );
    expect(outcomes).toEqual(Object.fromEntries(attempts.map(([what]) => [what, "refused"])));
    expect(own).toBe("accepted");
    // A subscription outside its needs is refused (0x80), and the connection stays.
    const { client: sub } = await connectAs(ctl.mqttUrl, ap1Login);
    await expect(sub.subscribeAsync("shelfsync/#")).rejects.toThrow(/Subscribe error/);
    expect((await sub.subscribeAsync(t.anyLabel("content")))[0]?.qos).toBe(0);
    await sub.endAsync();
    // Nothing refused reached anyone; the accepted state did.
    await waitFor(
      () => watcher.messages.some((m) => m.topic === t.label(mine, "state") && m.payload.includes(MARK)),
      5_000,
    );
    expect(watcher.messages.filter((m) => m.payload.includes(MARK)).map((m) => m.topic)).toEqual([
      t.label(mine, "state"),
    ]);
    await watcher.close();
    expect(ctl.broker?.refused.publish).toBe(attempts.length);
  });

  it("lets an ops sign-in watch and not publish", async () => {
    expect(await probe(ctl.mqttUrl, OPS_LOGIN, t.label(ap1.labelIds[0] as string, "state"), false)).toBe(
      "refused",
    );
  });

  it("ends a live sign-in when its token is revoked: at once over HTTP, at the next check after the CLI", async () => {
    // Over HTTP: the revocation closes the connection before the reply is used.
    const viaHttp = bridgeLogin(ctl, "ap-revoked-http");
    const a = await connectAs(ctl.mqttUrl, viaHttp);
    const stayer = await connectAs(ctl.mqttUrl, bridgeLogin(ctl, "ap-stays"));
    expect((await api(ctl.httpUrl, "DELETE", "/tokens/ap-revoked-http")).status).toBe(200);
    // Signed out by the revocation itself: nothing is left for a check to find.
    expect(ctl.broker?.signOutRevoked()).toBe(0);
    await a.closed;
    expect(await tryConnect(ctl.mqttUrl, viaHttp)).toBe("refused");
    // On the file (what `npm run token -- revoke` does): the periodic check finds it.
    const viaFile = bridgeLogin(ctl, "ap-revoked-file");
    const b = await connectAs(ctl.mqttUrl, viaFile);
    ctl.stores.tokens.revoke("ap-revoked-file", Date.now());
    expect(ctl.broker?.signOutRevoked()).toBe(1);
    await b.closed;
    // Everyone else keeps their connection.
    expect(stayer.client.connected).toBe(true);
    await stayer.client.endAsync(true);
  });
});
