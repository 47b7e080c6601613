import { describe, expect, it } from "vitest";
import { batteryPercent } from "../firmware-bridge/oepl/battery.ts";

describe("OEPL battery millivolts → percent", () => {
  it("has no reading for 0 mV and for the AP's virtual-tag marker 1337", () => {
    expect(batteryPercent(0)).toBeUndefined();
    expect(batteryPercent(1337)).toBeUndefined();
  });

  it("follows the coin-cell curve, with the AP's 2.4 V low mark near empty", () => {
    expect(batteryPercent(3100)).toBe(100);
    expect(batteryPercent(3000)).toBe(100);
    expect(batteryPercent(2950)).toBe(90);
    expect(batteryPercent(2800)).toBe(60);
    expect(batteryPercent(2400)).toBe(5);
    expect(batteryPercent(2100)).toBe(0);
  });

  it("follows the AA curve, falling almost linearly", () => {
    expect(batteryPercent(3200, "aa")).toBe(100);
    expect(batteryPercent(2600, "aa")).toBe(55);
    expect(batteryPercent(2000, "aa")).toBe(0);
  });

  it("never goes up when the voltage goes down", () => {
    for (const chemistry of ["coin", "aa"] as const) {
      let last = 101;
      for (let mv = 3300; mv >= 1900; mv -= 10) {
        const p = batteryPercent(mv, chemistry)!;
        expect(p).toBeLessThanOrEqual(last);
        expect(p).toBeGreaterThanOrEqual(0);
        last = p;
      }
    }
  });
});
