import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isOeplLabelId,
  isValidMac,
  labelIdToMac,
  macToLabelId,
  normalizeMac,
  OeplMacError,
} from "../firmware-bridge/oepl/mac.ts";
import { idSchema } from "../schemas/common.ts";

describe("OEPL MAC ↔ label id", () => {
  it("uses the MAC as 16 upper-case hex digits, as the AP prints it", () => {
    expect(macToLabelId("0000021edb3f7a9c")).toBe("0000021EDB3F7A9C");
    expect(macToLabelId("0000021EDB3F7A9C")).toBe("0000021EDB3F7A9C");
  });

  it("reads a 12-digit MAC as 0000 + those digits, like the AP's hex2mac", () => {
    expect(normalizeMac("021edb3f7a9c")).toBe("0000021EDB3F7A9C");
    expect(normalizeMac("02:1e:db:3f:7a:9c")).toBe("0000021EDB3F7A9C");
  });

  it("rejects anything else", () => {
    for (const bad of ["", "021edb3f7a9", "0000021EDB3F7A9C0", "00000G1EDB3F7A9C", "not a mac"]) {
      expect(isValidMac(bad)).toBe(false);
      expect(() => normalizeMac(bad)).toThrow(OeplMacError);
    }
  });

  it("maps a label id back to the MAC only in canonical form", () => {
    expect(labelIdToMac("0000021EDB3F7A9C")).toBe("0000021EDB3F7A9C");
    expect(isOeplLabelId("0000021edb3f7a9c")).toBe(false);
    expect(() => labelIdToMac("0000021edb3f7a9c")).toThrow(OeplMacError);
    expect(() => labelIdToMac("shelf-12")).toThrow(OeplMacError);
  });

  it("round-trips every MAC, and every label id is a valid Shelfsync id", () => {
    const hex = fc.constantFrom(..."0123456789abcdefABCDEF".split(""));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(hex, { minLength: 12, maxLength: 12 }),
          fc.array(hex, { minLength: 16, maxLength: 16 }),
        ),
        (digits) => {
          const mac = digits.join("");
          const labelId = macToLabelId(mac);
          expect(labelId).toMatch(/^[0-9A-F]{16}$/);
          expect(labelIdToMac(labelId)).toBe(labelId);
          expect(labelId.endsWith(mac.toUpperCase())).toBe(true);
          expect(idSchema.safeParse(labelId).success).toBe(true);
        },
      ),
    );
  });
});
