import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { brokerServers, brokerUrlOptions } from "../lib/broker-url.ts";
import { fromPackageRoot } from "../lib/paths.ts";

describe("broker URLs (lib/broker-url.ts)", () => {
  it("reads what MQTT.js would have read from the string, with the WHATWG parser", () => {
    expect(brokerUrlOptions("mqtt://127.0.0.1:1883")).toEqual({
      protocol: "mqtt",
      host: "127.0.0.1",
      hostname: "127.0.0.1",
      port: 1883,
    });
    // The user and password decoded; no port when the URL gives none (MQTT.js picks the protocol's).
    expect(brokerUrlOptions("mqtts://shelf%40sync:p%3Ass@broker.example")).toEqual({
      protocol: "mqtts",
      host: "broker.example",
      hostname: "broker.example",
      username: "shelf@sync",
      password: "p:ss",
    });
    // A WebSocket URL keeps its path; an IPv6 host is unbracketed for the socket.
    expect(brokerUrlOptions("ws://[::1]:8080/mqtt?x=1")).toMatchObject({
      host: "::1",
      port: 8080,
      path: "/mqtt?x=1",
    });
    expect(() => brokerUrlOptions("127.0.0.1")).toThrow(/not a broker URL: "127.0.0.1"/);
  });

  it("lists a cluster's nodes with each protocol's port where none is given", () => {
    expect(brokerServers(" mqtt://nats-1:1884, mqtts://nats-2 ,")).toEqual([
      { host: "nats-1", port: 1884, protocol: "mqtt" },
      { host: "nats-2", port: 8883, protocol: "mqtts" },
    ]);
  });

  it("connecting through it prints no url.parse() deprecation warning (DEP0169)", () => {
    // Node 22+ warns (DEP0169) when MQTT.js is handed the URL string; Node 20 never does, so this
    // check has teeth on CI's Node LTS run. The control: MQTT.js given the string itself.
    const run = (code: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
        cwd: fromPackageRoot(),
        encoding: "utf8",
        timeout: 20_000,
      });
    const connectWith = (how: string) => `
      import mqtt from "mqtt";
      import { brokerUrlOptions } from "./lib/broker-url.ts";
      const url = "mqtt://127.0.0.1:1883";
      const c = mqtt.connect(${how});
      c.once("connect", () => c.end(false, () => process.exit(0)));
      c.once("error", (e) => { console.error(e.message); process.exit(2); });`;
    const ours = run(connectWith("{ ...brokerUrlOptions(url), reconnectPeriod: 0 }"));
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stderr).not.toMatch(/DEP0169/);
    const urlParsed = Number(process.versions.node.split(".")[0]) >= 22;
    if (urlParsed) expect(run(connectWith("url, { reconnectPeriod: 0 }")).stderr).toMatch(/DEP0169/);
  });
});
