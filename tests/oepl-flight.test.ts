import { describe, expect, it } from "vitest";
import { OEPL_ZERO_HASH, type OeplTag } from "../firmware-bridge/oepl/ap-client.ts";
import { type Flight, readFlight } from "../firmware-bridge/oepl/flight.ts";

const MAC = "0000021EDB3F7A9C";
const OLD_FILE = JSON.stringify({ filename: `/temp/${MAC}_100.jpg` });
const NEW_FILE = JSON.stringify({ filename: `/temp/${MAC}_200.jpg` });

function tag(over: Partial<OeplTag>): OeplTag {
  return {
    mac: MAC,
    hash: "a".repeat(32),
    lastseen: 1,
    nextupdate: 0,
    nextcheckin: 0,
    pending: 0,
    alias: "",
    contentMode: 0,
    LQI: 100,
    RSSI: -60,
    temperature: 20,
    batteryMv: 2900,
    hwType: 1,
    wakeupReason: 0,
    capabilities: 0,
    modecfgjson: OLD_FILE,
    isexternal: false,
    apip: "0.0.0.0",
    rotate: 0,
    lut: 0,
    invert: 0,
    updatecount: 5,
    ch: 0,
    ver: 0,
    ...over,
  } as OeplTag;
}

function flight(): Flight {
  return {
    target: "c0ffee",
    baseline: tag({}),
    uploadedAt: 0,
    acceptBy: 1_000,
    confirmBy: Number.POSITIVE_INFINITY,
    landed: false,
    processed: false,
    sawPending: false,
    commandsAtBaseline: 0,
    offlineLogged: false,
  };
}

const at = (now: number) => ({ now, confirmTimeoutMs: 60_000, commandHashes: [], commandsSent: 0 });

describe("judging an OEPL upload by the AP's record", () => {
  it("waits for the AP to take the upload, and gives up at the deadline", () => {
    expect(readFlight(flight(), tag({}), at(500))).toEqual({ kind: "waiting" });
    expect(readFlight(flight(), tag({}), at(1_001))).toMatchObject({ kind: "failed" });
  });

  it("reports the image queued once, then shown when the tag fetched it", () => {
    const f = flight();
    const queued = tag({ modecfgjson: NEW_FILE, nextupdate: 99, pending: 1 });
    expect(readFlight(f, queued, at(100))).toEqual({ kind: "pending", queuedNow: true });
    expect(readFlight(f, queued, at(200))).toEqual({ kind: "pending", queuedNow: false });
    expect(f.confirmBy).toBe(100 + 60_000);
    const fetched = tag({ modecfgjson: NEW_FILE, nextupdate: 99, updatecount: 6, hash: "b".repeat(32) });
    expect(readFlight(f, fetched, at(300))).toEqual({ kind: "shown", identical: false });
  });

  it("counts our own LED flashes out of the update counter", () => {
    const f = flight();
    const flashedOnly = tag({ modecfgjson: NEW_FILE, nextupdate: 99, updatecount: 6, hash: OEPL_ZERO_HASH });
    expect(readFlight(f, flashedOnly, { ...at(100), commandsSent: 1 })).toMatchObject({ kind: "failed" });
  });

  it("an image the AP found identical is shown at once; a reset tag is not", () => {
    const identical = tag({ modecfgjson: NEW_FILE, nextupdate: 99 });
    expect(readFlight(flight(), identical, at(100))).toEqual({ kind: "shown", identical: true });
    const reset = tag({ modecfgjson: NEW_FILE, nextupdate: 99, updatecount: 6, hash: OEPL_ZERO_HASH });
    expect(readFlight(flight(), reset, at(100))).toEqual({
      kind: "failed",
      reason: "the tag was reset right after the transfer",
    });
  });
});
