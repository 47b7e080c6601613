import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { readMerchantItems } from "../controller/feeds/merchant/body.ts";
import { FeedSyntaxError, parseFeedText } from "../controller/feeds/parse/index.ts";
import {
  actorBodySchema,
  availabilitySchema,
  bridgeLabelsSchema,
  decisionBodySchema,
  feedRowSchemas,
  feedSequenceResetBodySchema,
  flashBodySchema,
  issueProblems,
  labelCreateBodySchema,
  labelStateSchema,
  linkBodySchema,
  overrideBodySchema,
  promotionCreateBodySchema,
  readLocalOffer,
  readMerchantItem,
  tokenCreateBodySchema,
} from "../schemas/index.ts";

/**
 * Property-based fuzzing (fast-check) of every feed parser and row schema, the Merchant Center item
 * readers, the API bodies and the MQTT payload schemas: generated input, including huge values, must
 * never throw anything but the parsers' own error, and every refusal names a field and quotes at most
 * a short excerpt of the value (no window of more than EXCERPT characters of a long value comes back).
 */
/** The longest excerpt of a value an error may quote (the Merchant Center readers clip at 200). */
const EXCERPT = 200;
let inputs = 0;
afterAll(() => {
  console.log(
    `fuzz: ${inputs} generated inputs, 0 crashes, every refusal naming a field and quoting ≤ ${EXCERPT} characters`,
  );
  expect(inputs).toBeGreaterThanOrEqual(100_000);
});

const SEED = 20261130;
const RUNS = Number(process.env.SHELFSYNC_FUZZ_RUNS ?? 9000);

/** Strings a hostile client would send: short and odd, huge, unicode, numbers as text, dates. */
const nasty = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "2.499",
    "2026-02-30",
    "2026-03-01T12:00+99:99",
    "\u0000",
  ),
  fc.string({ minLength: 200, maxLength: 2000 }).map((s) => `LONG${s}`),
  fc.integer().map(String),
  fc.double().map(String),
);
const value = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
);

async function* oneChunk(bytes: Uint8Array) {
  yield bytes;
}

/** No run of more than EXCERPT characters of any long string value is quoted back. */
function quotesShort(text: string, values: unknown[]): boolean {
  for (const v of values) {
    if (typeof v !== "string" || v.length <= EXCERPT) continue;
    for (let i = 0; i + EXCERPT + 1 <= v.length; i += EXCERPT) {
      if (text.includes(v.slice(i, i + EXCERPT + 1))) return false;
    }
  }
  return true;
}

function checkSchema(schema: z.ZodType, input: Record<string, unknown>) {
  inputs++;
  const r = schema.safeParse(input);
  if (r.success) return;
  const problems = issueProblems(r.error, "(body)");
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) {
    expect(p.field).toBeTruthy();
    expect(quotesShort(`${p.field} ${p.reason}`, Object.values(input))).toBe(true);
  }
}

const recordOf = (keys: readonly string[]) =>
  fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] });

// CPU-bound: about 7 s a test on a quiet machine, several times that while other suites share the
// two cores. The limit is there to catch a hang, not to time the work.
describe("fuzzing", { timeout: 180_000 }, () => {
  const rows = feedRowSchemas("Europe/Berlin");
  const ROW_KEYS = {
    products: ["sku", "gtin", "name", "brand", "netQuantity", "unit", "category", "url"],
    prices: ["sku", "price", "currency", "effectiveFrom", "effectiveTo"],
    stock: ["sku", "onHand"],
    promotions: ["promotionId", "kind", "skus", "value", "buyQuantity", "start", "end", "priority"],
    links: ["labelId", "sku"],
  } as const;

  for (const [feed, keys] of Object.entries(ROW_KEYS)) {
    it(`${feed} rows`, () => {
      const schema = rows[feed as keyof typeof rows] as z.ZodType;
      fc.assert(
        fc.property(recordOf([...keys, "extra"]), (row) => checkSchema(schema, row)),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }

  it("CSV, NDJSON and JSON bodies", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .array(fc.array(nasty, { maxLength: 6 }), { maxLength: 8 })
        .map((rs) => rs.map((r) => r.join(",")).join("\n")),
      fc
        .array(fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 5 }), { maxLength: 5 })
        .map((a) => JSON.stringify(a)),
    );
    fc.assert(
      fc.property(
        text,
        fc.constantFrom("csv", "ndjson", "json") as fc.Arbitrary<"csv" | "ndjson" | "json">,
        (t, format) => {
          inputs++;
          try {
            parseFeedText(t, format);
          } catch (e) {
            if (!(e instanceof FeedSyntaxError)) throw e;
            expect(e.field ?? e.code).toBeTruthy();
            expect(quotesShort(e.message, [t])).toBe(true);
          }
        },
      ),
      { numRuns: RUNS * 2, seed: SEED },
    );
  });

  it("Merchant Center items and local inventory rows", () => {
    const keys = [
      "id",
      "title",
      "price",
      "sale_price",
      "sale_price_effective_date",
      "gtin",
      "brand",
      "availability",
      "availability_date",
      "unit_pricing_measure",
      "unit_pricing_base_measure",
      "link",
      "store_code",
      "quantity",
    ];
    fc.assert(
      fc.property(fc.record(Object.fromEntries(keys.map((k) => [k, nasty])), { requiredKeys: [] }), (raw) => {
        inputs += 2;
        for (const r of [readMerchantItem(raw, "EUR"), readLocalOffer(raw, "EUR")]) {
          if (r.ok) continue;
          for (const p of r.problems) {
            expect(p.field).toBeTruthy();
            expect(quotesShort(`${p.field} ${p.value} ${p.reason}`, Object.values(raw))).toBe(true);
          }
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("Merchant Center XML and TSV bodies", async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .array(fc.array(nasty, { maxLength: 5 }), { maxLength: 5 })
        .map((rs) => `id\ttitle\tprice\n${rs.map((r) => r.join("\t")).join("\n")}`),
      fc
        .array(nasty, { maxLength: 4 })
        .map(
          (vs) => `<rss><channel>${vs.map((v) => `<item><g:id>${v}</g:id></item>`).join("")}</channel></rss>`,
        ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        inputs++;
        try {
          for await (const _ of readMerchantItems(oneChunk(new TextEncoder().encode(text)))) {
            // items are checked by readMerchantItem above
          }
        } catch (e) {
          if (!(e instanceof FeedSyntaxError)) throw e;
          expect(quotesShort(e.message, [text])).toBe(true);
        }
      }),
      { numRuns: Math.round(RUNS / 3), seed: SEED },
    );
  });

  it("API bodies", () => {
    const bodies: [string, z.ZodType][] = [
      ["labelCreate", labelCreateBodySchema],
      ["link", linkBodySchema],
      ["flash", flashBodySchema],
      ["decision", decisionBodySchema],
      ["actor", actorBodySchema],
      ["override", overrideBodySchema],
      ["tokenCreate", tokenCreateBodySchema],
      ["sequenceReset", feedSequenceResetBodySchema],
      ["promotion", promotionCreateBodySchema("Europe/Berlin")],
    ];
    const keys = [
      "labelId",
      "model",
      "width",
      "height",
      "colors",
      "sku",
      "color",
      "pattern",
      "seconds",
      "reason",
      "author",
      "price",
      "start",
      "end",
      "name",
      "role",
      "sequence",
      "promotionId",
      "kind",
      "skus",
      "value",
    ];
    fc.assert(
      fc.property(fc.constantFrom(...bodies), recordOf(keys), ([, schema], body) =>
        checkSchema(schema, body),
      ),
      { numRuns: RUNS * 2, seed: SEED },
    );
  });

  it("MQTT payloads", () => {
    const payloads: z.ZodType[] = [labelStateSchema, availabilitySchema, bridgeLabelsSchema];
    const keys = [
      "v",
      "displayedHash",
      "version",
      "battery",
      "rssi",
      "ts",
      "state",
      "bridgeId",
      "kind",
      "labels",
    ];
    fc.assert(
      fc.property(fc.constantFrom(...payloads), recordOf(keys), (schema, payload) =>
        checkSchema(schema, payload),
      ),
      { numRuns: RUNS * 2, seed: SEED },
    );
  });
});
