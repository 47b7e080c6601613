import { describe, expect, it } from "vitest";
import { chainTopics, parseTopic, storeTopics, TopicError } from "../schemas/index.ts";

describe("topic module", () => {
  const t = storeTopics("store-7");

  it("builds the documented tree", () => {
    expect(t.controllerStatus).toBe("shelfsync/store-7/controller/status");
    expect(t.label("0000021EDB3F7A9C", "content")).toBe("shelfsync/store-7/label/0000021EDB3F7A9C/content");
    expect(t.label("L1", "state")).toBe("shelfsync/store-7/label/L1/state");
    expect(t.bridge("ap1", "status")).toBe("shelfsync/store-7/bridge/ap1/status");
    expect(t.bridgeRequest("ap1", "rescan")).toBe("shelfsync/store-7/bridge/ap1/request/rescan");
    expect(t.anyLabel("state")).toBe("shelfsync/store-7/label/+/state");
    expect(t.screen("s1", "heartbeat")).toBe("shelfsync/store-7/screen/s1/heartbeat");
    expect(chainTopics.prices).toBe("shelfsync/chain/prices");
    expect(chainTopics.store("store-7", "prices")).toBe("shelfsync/chain/store/store-7/prices");
  });

  it("parses what it builds", () => {
    expect(parseTopic(t.label("L1", "state"))).toEqual({
      kind: "label",
      storeId: "store-7",
      labelId: "L1",
      leaf: "state",
    });
    expect(parseTopic(t.bridge("ap1", "labels"))).toEqual({
      kind: "bridge",
      storeId: "store-7",
      bridgeId: "ap1",
      leaf: "labels",
    });
    expect(parseTopic(t.bridgeResponse("ap1", "flash"))).toEqual({
      kind: "bridgeResponse",
      storeId: "store-7",
      bridgeId: "ap1",
      op: "flash",
    });
    expect(parseTopic(t.controllerStatus)).toEqual({ kind: "controllerStatus", storeId: "store-7" });
    expect(parseTopic(chainTopics.stock)).toEqual({ kind: "chain", feed: "stock" });
  });

  it("returns null for anything outside the tree", () => {
    for (const topic of [
      "zigbee2mqtt/bridge/state",
      "shelfsync/store-7/label/L1/unknown",
      "shelfsync/store-7/label/L1/state/extra",
      "shelfsync/store-7/label/+/state",
      "shelfsync/store-7",
      "shelfsync/chain/other",
    ]) {
      expect(parseTopic(topic)).toBeNull();
    }
  });

  it("refuses ids that would break the tree", () => {
    expect(() => t.label("a/b", "content")).toThrow(TopicError);
    expect(() => t.label("+", "content")).toThrow(TopicError);
    expect(() => t.label("#", "content")).toThrow(TopicError);
    expect(() => storeTopics("")).toThrow(TopicError);
    expect(() => t.label("x".repeat(65), "state")).toThrow(/at most 64/);
  });
});
