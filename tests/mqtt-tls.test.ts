import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { type SimulatedAccessPoint, startSimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { bridgeLogin, OPS_LOGIN, startTestController, tempDir, waitFor } from "./support/harness.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const MOSQUITTO =
  ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"].find((p) => existsSync(p)) ?? "mosquitto";

/** A port of this suite's own range (19200–19299) that is free now. */
async function freePortInRange(): Promise<number> {
  for (let port = 19250 + Math.floor(Math.random() * 40); port < 19300; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port in 19250–19299");
}

/**
 * TLS on both brokers with a self-signed certificate made here by openssl (installed with the
 * system, as Mosquitto is; no dependency for it): a bridge that trusts it (SHELFSYNC_MQTT_CA) signs
 * in over mqtts://, a client that does not is refused at the handshake.
 */
describe("MQTT over TLS", () => {
  const dir = tempDir("shelfsync-tls-");
  const cert = join(dir.path, "cert.pem");
  const key = join(dir.path, "key.pem");
  let ctl: Controller & { cleanup(): Promise<void> };
  let mosquitto: ChildProcess | undefined;

  beforeAll(async () => {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    ctl = await startTestController("aedes", {
      config: { mqttTlsCert: cert, mqttTlsKey: key, mqttTlsPort: await freePortInRange() },
    });
  });
  afterAll(async () => {
    mosquitto?.kill("SIGTERM");
    await ctl?.cleanup();
    dir.cleanup();
  });

  it("the embedded broker: a bridge that trusts the certificate signs in over mqtts:// and its labels report", async () => {
    const tlsUrl = ctl.broker?.tls?.url as string;
    expect(tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    let ap: SimulatedAccessPoint | undefined;
    try {
      ap = await startSimulatedAccessPoint({
        mqttUrl: tlsUrl,
        storeId: ctl.config.storeId,
        bridgeId: "tls-ap",
        labels: 2,
        radioDelayMs: 0,
        checkInSeconds: 3600,
        logger: quiet,
        mqttOptions: { ...bridgeLogin(ctl, "tls-ap"), ca: readFileSync(cert) },
      });
      await waitFor(
        () => ap?.labelIds.every((id) => ctl.labels.get(id)?.bridgeId === "tls-ap"),
        5_000,
        "labels announced over TLS",
      );
    } finally {
      await ap?.stop();
    }
    // Without the CA the certificate is not trusted: no connection at all.
    await expect(
      mqtt.connectAsync(tlsUrl, { ...OPS_LOGIN, reconnectPeriod: 0, connectTimeout: 3_000 }),
    ).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it("Mosquitto with the same certificate: a client that trusts it connects, one that does not is refused", async () => {
    const port = await freePortInRange();
    writeFileSync(
      join(dir.path, "mosquitto.conf"),
      [
        "user root",
        "allow_anonymous true",
        "persistence false",
        `listener ${port} 127.0.0.1`,
        `certfile ${cert}`,
        `keyfile ${key}`,
        "",
      ].join("\n"),
    );
    mosquitto = spawn(MOSQUITTO, ["-c", join(dir.path, "mosquitto.conf")], { stdio: "ignore" });
    const url = `mqtts://127.0.0.1:${port}`;
    const topic = `shelfsync-tls-test/${randomUUID().slice(0, 8)}`;
    const client = (await waitFor(
      () =>
        mqtt
          .connectAsync(url, { ca: readFileSync(cert), reconnectPeriod: 0, connectTimeout: 2_000 })
          .catch(() => null),
      10_000,
      "mosquitto TLS listener up",
    )) as mqtt.MqttClient;
    const got = new Promise<string>((resolve) => client.on("message", (_t, p) => resolve(p.toString())));
    await client.subscribeAsync(topic, { qos: 1 });
    await client.publishAsync(topic, "over tls", { qos: 1 });
    expect(await got).toBe("over tls");
    await client.endAsync();
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3_000 })).rejects.toThrow(
      /self[- ]signed|certificate/i,
    );
  });
});
