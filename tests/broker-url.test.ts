import { describe, expect, it } from "vitest";
import { brokerServers, brokerUrlOptions } from "../lib/broker-url.ts";

describe("broker URLs (lib/broker-url.ts)", () => {
  it("reads what MQTT.js would have read from the string, with the WHATWG parser", () => {
    expect(brokerUrlOptions("mqtt://127.0.0.1:1883")).toEqual({
      protocol: "mqtt",
      host: "127.0.0.1",
      port: 1883,
    });
    // The user and password decoded; no port when the URL gives none (MQTT.js picks the protocol's).
    expect(brokerUrlOptions("mqtts://shelf%40sync:p%3Ass@broker.example")).toEqual({
      protocol: "mqtts",
      host: "broker.example",
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
});
