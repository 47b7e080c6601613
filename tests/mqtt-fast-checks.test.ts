import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { labelContentSchema, labelStateSchema } from "../schemas/index.ts";
import { plainLabelContent, plainLabelState } from "../schemas/mqtt-fast.ts";
import { labelContentExamples, labelStateExamples } from "../scripts/protocol/examples.ts";

/**
 * The hand checks run before zod on every label state (controller) and content (bridge). zod stays
 * the contract: on every input a hand check either returns a payload zod takes, equal to what zod
 * returns, or declines (undefined) and zod decides. It must never accept what zod refuses.
 */
const HASH = "0123456789abcdef0123456789abcdef";
const field = <T>(usual: T[], odd: unknown[], ...arbitraries: fc.Arbitrary<unknown>[]) =>
  fc.oneof(
    ...arbitraries.map((arbitrary) => ({ arbitrary, weight: 3 })),
    { arbitrary: fc.constantFrom(...usual), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        undefined,
        null,
        "",
        0,
        -1,
        1.5,
        2 ** 53,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        [],
        {},
        true,
        ...odd,
      ),
      weight: 3,
    },
  );

const money = fc.record(
  {
    amountMinor: field([249, 0, -5], ["249"]),
    currency: field(["EUR", "JPY"], ["eur", "XXX", "EURO"]),
    text: field(["2,49 €"], [2.49]),
    per: field(["kg"], [1]),
    extra: fc.constant("x"),
  },
  { requiredKeys: [] },
);

const stateFields = {
  v: field([1], [2, "1"]),
  displayedHash: field(
    [HASH, null, "0123456789abcdef"],
    ["0123456789ABCDEF", "abc", "g".repeat(16), "0".repeat(65)],
  ),
  version: field([0, 7], [-3, 1e21]),
  battery: field([0, 87.5, 100], [100.1, -0.1, "87"]),
  rssi: field([-150, -67, 20], [21, -151, "-67"]),
  ts: field([0, 1767225612000], ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00+23:59", "yesterday", -1]),
  extra: fc.constant(1),
};

const promo = fc.record(
  {
    promotionId: field(["spring-17"], [17]),
    kind: field(["fixed"], [1]),
    text: field(["Offer"], [1]),
    percent: field([1, 20, 100], [0, 101, 12.5]),
    basis: field(["prior", "regular", "perishable"], ["other"]),
    validUntil: field(["2026-04-05T22:00:00.000Z"], [5]),
    extra: fc.constant(1),
  },
  { requiredKeys: [] },
);

const contentFields = {
  v: field([1], [2]),
  labelId: field(["0000021EDB3F7A9C", "ap-00001"], ["-bad", "x".repeat(65), "a b"]),
  sku: field(["SKU1", "100234"], ["-bad", "a/b"]),
  gtin: field(["4006381333931"], [4006381333931]),
  name: field(["Coffee beans 500 g", ""], [5]),
  brand: field(["Roastery"], [5]),
  url: field(["https://example.com/p/1"], [5]),
  price: field([{ amountMinor: 249, currency: "EUR", text: "2,49 €" }], [], money),
  stock: field(["in_stock", "low", "out"], ["IN_STOCK", "gone"]),
  template: field(["default"], [1]),
  locale: field(["de-DE"], [1]),
  regularPrice: field([{ amountMinor: 299, currency: "EUR", text: "2,99 €" }], [], money),
  referencePrice: field([{ amountMinor: 279, currency: "EUR", text: "2,79 €" }], []),
  referenceDays: field([30, 1], [-30]),
  unitPrice: field([{ amountMinor: 498, currency: "EUR", text: "4,98 €", per: "kg" }], [], money),
  promo: field([{ promotionId: "p", kind: "fixed", text: "Offer" }], [], promo),
  memberPrice: field([{ amountMinor: 199, currency: "EUR", text: "1,99 €" }], []),
  contentHash: field([HASH], ["XYZ", HASH.toUpperCase()]),
  version: field([0, 8], [-1]),
  extra: fc.constant(1),
};

/**
 * Payloads near valid ones: a valid payload with up to three fields replaced (or removed) by values
 * from the lists above, so that each odd value is seen in an otherwise valid payload; and payloads
 * made of random subsets of the fields.
 */
function nearValid(bases: object[], fields: Record<string, fc.Arbitrary<unknown>>) {
  const change = fc
    .constantFrom(...Object.keys(fields))
    .chain((key) => (fields[key] as fc.Arbitrary<unknown>).map((value) => [key, value] as const));
  return fc.oneof(
    fc.tuple(fc.constantFrom(...bases), fc.array(change, { maxLength: 3 })).map(([base, changes]) => {
      const x: Record<string, unknown> = { ...base };
      for (const [key, value] of changes) {
        if (value === undefined) delete x[key];
        else x[key] = value;
      }
      return x;
    }),
    fc.record(fields, { requiredKeys: [] }),
  );
}
const state = nearValid(
  labelStateExamples.map((e) => e.payload),
  stateFields,
);
const content = nearValid(
  labelContentExamples.map((e) => e.payload),
  contentFields,
);

function agrees<T>(fast: (x: unknown) => T | undefined, schema: { safeParse(x: unknown): unknown }) {
  return (x: unknown): boolean => {
    const mine = fast(x);
    const theirs = schema.safeParse(x) as { success: boolean; data?: unknown };
    if (mine === undefined) return !theirs.success;
    expect(theirs.success, JSON.stringify(x)).toBe(true);
    expect(mine).toEqual(theirs.data);
    return true;
  };
}

describe("hand checks of label states and contents before zod", () => {
  it("a state: never accepts what zod refuses, returns what zod returns (property)", () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(state, money, promo), (x) => {
        if (agrees(plainLabelState, labelStateSchema)(x)) taken++;
      }),
      { numRuns: 5_000 },
    );
    // Most inputs are broken on purpose; the plain ones must still be taken by the fast path.
    expect(taken).toBeGreaterThan(100);
  });

  it("a content: never accepts what zod refuses, returns what zod returns (property)", () => {
    let taken = 0;
    fc.assert(
      fc.property(content, (x) => {
        if (agrees(plainLabelContent, labelContentSchema)(x)) taken++;
      }),
      { numRuns: 5_000 },
    );
    expect(taken).toBeGreaterThan(20);
  });

  it("takes the protocol's examples and what the bridge and controller send in a reprice", () => {
    for (const e of labelStateExamples) expect(plainLabelState(e.payload)).toBe(e.payload);
    for (const e of labelContentExamples) expect(plainLabelContent(e.payload)).toBe(e.payload);
    const reported = { v: 1, displayedHash: HASH, version: 3, battery: 99.9, rssi: -70, ts: Date.now() };
    expect(plainLabelState(JSON.parse(JSON.stringify(reported)))).toEqual(reported);
  });

  it("leaves to zod what it does not judge: a string ts, an unknown key, null for an optional field", () => {
    expect(plainLabelState({ v: 1, displayedHash: null, ts: "2026-01-01T00:00:00Z" })).toBeUndefined();
    expect(
      labelStateSchema.safeParse({ v: 1, displayedHash: null, ts: "2026-01-01T00:00:00Z" }).success,
    ).toBe(true);
    expect(plainLabelState({ v: 1, displayedHash: null, colour: "red" })).toBeUndefined();
    expect(plainLabelState({ v: 1, displayedHash: null, battery: null })).toBeUndefined();
    const example = labelContentExamples[0]?.payload as object;
    expect(plainLabelContent({ ...example, promo: null })).toBeUndefined();
    expect(
      plainLabelContent(JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(example).slice(1)}`)),
    ).toBeUndefined();
  });
});
