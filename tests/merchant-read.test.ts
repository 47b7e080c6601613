import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readMerchantItems } from "../controller/feeds/merchant/body.ts";
import type { LinedItem } from "../controller/feeds/merchant/items.ts";
import {
  effectiveOffer,
  gtinWarning,
  InstantError,
  MoneyError,
  minorToDecimalString,
  parseBaseMeasure,
  parseMeasure,
  parseMerchantPrice,
  parseWindow,
  readLocalOffer,
  readMerchantItem,
  shiftDecimal,
} from "../schemas/index.ts";

const FIXTURES = join(import.meta.dirname, "fixtures/merchant");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

async function items(body: Uint8Array | string, chunkSize = 7): Promise<LinedItem[]> {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  // Small chunks: every reader must cope with text cut anywhere (mid-tag, mid-entity, mid-CDATA).
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const out: LinedItem[] = [];
  for await (const chunk of readMerchantItems(chunks())) out.push(...chunk);
  return out;
}

describe("Merchant Center money: exact minor units by ISO 4217 exponent", () => {
  it.each([
    ["15.00 USD", 1500, "USD"],
    ["4999 JPY", 4999, "JPY"],
    ["1200.00 JPY", 1200, "JPY"],
    ["1200 JPY", 1200, "JPY"],
    ["3.25 KWD", 3250, "KWD"],
    ["3.250 KWD", 3250, "KWD"],
    ["0.99 eur", 99, "EUR"],
  ])("%s → %i %s", (text, minor, currency) => {
    expect(parseMerchantPrice(text)).toEqual({ amountMinor: minor, currency });
  });

  it.each([
    ["1.005 EUR", "has 3 decimal places; EUR allows 2"],
    ["1200.50 JPY", "JPY allows none"],
    ["1,000.00 EUR", 'with "." as the decimal mark and no thousands separator'],
    ["12,50 EUR", 'with "." as the decimal mark'],
    ["15.00", 'such as "15.00 USD"'],
    ["USD 15.00", 'such as "15.00 USD"'],
    ["15.00 XYZ", 'unknown ISO 4217 currency "XYZ"'],
  ])("refuses %j", (text, reason) => {
    expect(() => parseMerchantPrice(text)).toThrow(MoneyError);
    expect(() => parseMerchantPrice(text)).toThrow(reason);
  });

  it("round-trips every amount exactly for EUR, JPY and KWD (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("EUR", "JPY", "KWD", "USD"),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (currency, minor) => {
          const text = `${minorToDecimalString(minor, currency)} ${currency}`;
          expect(parseMerchantPrice(text)).toEqual({ amountMinor: minor, currency });
        },
      ),
    );
  });
});

describe("Merchant Center money: the one-pass reading of the common form", () => {
  // A trailing space keeps a text off the one-pass path (the full rules trim it): both must agree.
  const outcome = (text: string) => {
    try {
      return parseMerchantPrice(text);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      return "refused";
    }
  };
  it("agrees with the full rules on any text (property)", () => {
    const digits = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 9 });
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(..."0123456789.. ,-eEuUrRjJpPyYkKwWdDx\t"), maxLength: 16 }),
      fc
        .tuple(digits, fc.option(fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 5 })))
        .chain(([whole, fraction]) =>
          fc
            .constantFrom("EUR", "eur", "JPY", "KWD", "USD", "XYZ", "EU", "EURO")
            .map((c) => `${whole}${fraction === null ? "" : `.${fraction}`} ${c}`),
        ),
    );
    let read = 0;
    fc.assert(
      fc.property(text, (t) => {
        const fast = outcome(t);
        expect(fast).toEqual(outcome(`${t} `));
        if (fast !== "refused") read++;
      }),
      { numRuns: 2000 },
    );
    expect(read).toBeGreaterThan(150);
  });
});

describe("sale_price_effective_date windows", () => {
  it("keeps each bound's own offset (the spec's example)", () => {
    const w = parseWindow("2016-02-24T13:00-0800/2016-02-29T15:30-0800");
    expect(w.start).toBe(Date.UTC(2016, 1, 24, 21, 0));
    expect(w.end).toBe(Date.UTC(2016, 1, 29, 23, 30));
    expect([w.startText, w.endText]).toEqual(["2016-02-24T13:00-0800", "2016-02-29T15:30-0800"]);
  });

  it("crosses a DST change with two offsets; ±hh:mm and Z too", () => {
    const w = parseWindow("2026-03-23T00:00+0100/2026-04-06T00:00+02:00");
    expect(w.start).toBe(Date.UTC(2026, 2, 22, 23, 0));
    expect(w.end).toBe(Date.UTC(2026, 3, 5, 22, 0));
    expect(parseWindow("2026-03-23T00:00Z/2026-03-24T00:00Z").end).toBe(Date.UTC(2026, 2, 24));
  });

  it("reads a bound without an offset as UTC, never the machine's zone; a date alone is 00:00 to 23:59", () => {
    const w = parseWindow("2026-03-23T10:00/2026-03-24");
    expect(w.start).toBe(Date.UTC(2026, 2, 23, 10, 0));
    expect(w.end).toBe(Date.UTC(2026, 2, 24, 23, 59));
    expect(parseWindow("2026-03-23/2026-03-23").start).toBe(Date.UTC(2026, 2, 23));
  });

  it.each([
    ["2026-02-29T00:00Z/2026-03-02T00:00Z", "not a real calendar date-time"],
    ["2026-03-02T00:00Z/2026-03-01T00:00Z", "ends before it starts"],
    ["2026-03-01T00:00Z", 'not a window "start/end"'],
    ["2026-03-01T00:00+1500/2026-03-02T00:00Z", "no real UTC offset"],
    ["03/01/2026/03/02/2026", 'not a window "start/end"'],
  ])("refuses %j", (text, reason) => {
    expect(() => parseWindow(text)).toThrow(InstantError);
    expect(() => parseWindow(text)).toThrow(reason);
  });

  it("any window written with offsets reads back to the instants it names (property)", () => {
    const offsets = fc.integer({ min: -12 * 60, max: 14 * 60 });
    const instant = fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 0, 1) })
      .map((ms) => ms - (ms % 60_000));
    const write = (ms: number, offsetMin: number, colon: boolean) => {
      const wall = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 16);
      const sign = offsetMin < 0 ? "-" : "+";
      const h = String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, "0");
      const m = String(Math.abs(offsetMin) % 60).padStart(2, "0");
      return `${wall}${sign}${h}${colon ? ":" : ""}${m}`;
    };
    fc.assert(
      fc.property(instant, instant, offsets, offsets, fc.boolean(), (a, b, oa, ob, colon) => {
        fc.pre(a !== b);
        const [start, end] = a < b ? [a, b] : [b, a];
        const w = parseWindow(`${write(start, oa, colon)}/${write(end, ob, !colon)}`);
        expect([w.start, w.end]).toEqual([start, end]);
      }),
    );
  });
});

describe("unit pricing measures", () => {
  it("reads 750ml and 750 ml alike; bases are 1, 2, 4, 8, 10, 100 or the four exceptions", () => {
    expect(parseMeasure("750ml")).toEqual({ quantity: "750", unit: "ml" });
    expect(parseMeasure("750 ml")).toEqual({ quantity: "750", unit: "ml" });
    expect(parseMeasure("0.750 KG")).toEqual({ quantity: "0.75", unit: "kg" });
    expect(parseBaseMeasure("100ml")).toEqual({ quantity: "100", unit: "ml" });
    expect(parseBaseMeasure("75cl")).toEqual({ quantity: "75", unit: "cl" });
    expect(parseBaseMeasure("1000 kg")).toEqual({ quantity: "1000", unit: "kg" });
    expect(parseBaseMeasure("3 kg")).toMatch("not an allowed base");
    expect(parseMeasure("750 bottles")).toMatch('unknown unit "bottles"');
    expect(shiftDecimal("50", -2)).toBe("0.5");
    expect(shiftDecimal("1.25", 3)).toBe("1250");
  });
});

describe("GTINs", () => {
  it("warns about restricted-circulation and coupon numbers that have a valid check digit", () => {
    expect(gtinWarning("4006381333931")).toBeUndefined();
    expect(gtinWarning("00012345600012")).toBeUndefined();
    expect(gtinWarning("2000000000008")).toMatch("restricted-circulation");
    expect(gtinWarning("9900000000003")).toMatch("coupon");
    expect(gtinWarning("0512345000107")).toMatch("coupon");
  });
});

describe("reading product feed items", () => {
  it("the same items as RSS XML, Atom XML and TSV give identical rows", async () => {
    const fromXml = (await items(fixture("products.xml"))).map((i) => readMerchantItem(i.values, "USD"));
    const fromTsv = (await items(fixture("products.tsv"))).map((i) => readMerchantItem(i.values, "USD"));
    const fromAtom = (await items(fixture("products-atom.xml"))).map((i) =>
      readMerchantItem(i.values, "USD"),
    );
    expect(fromXml).toHaveLength(3);
    expect(fromTsv).toEqual(fromXml);
    expect(fromAtom).toEqual([fromXml[0]]);
    expect(fromXml[0]).toEqual({
      ok: true,
      warnings: [],
      item: {
        sku: "TEE-BLACK-M",
        itemGroupId: "TEE-BLACK",
        product: {
          sku: "TEE-BLACK-M",
          gtin: "4006381333931",
          name: "Google Tee Black",
          brand: "Google",
          category: "Apparel & Accessories > Shirts",
          url: "https://shop.example.com/p/tee-black-m",
        },
        price: { amountMinor: 1500, currency: "USD" },
        sale: {
          amountMinor: 1200,
          currency: "USD",
          window: {
            start: Date.UTC(2016, 1, 24, 21, 0),
            end: Date.UTC(2016, 1, 29, 23, 30),
            startText: "2016-02-24T13:00-0800",
            endText: "2016-02-29T15:30-0800",
          },
        },
        availability: "in_stock",
      },
    });
    expect(fromXml[1]).toMatchObject({
      ok: true,
      item: {
        product: { name: 'Olive Oil "Extra Virgin" & cold pressed', netQuantity: "750", unit: "ml" },
        measure: { quantity: "750", unit: "ml" },
        base: { quantity: "100", unit: "ml" },
      },
    });
    expect(fromXml[2]).toMatchObject({
      ok: true,
      item: {
        product: { brand: "Lumen & Co" },
        sale: { amountMinor: 3900 },
        availability: "preorder",
        availabilityDate: { text: "2016-03-10T09:00-0800", at: Date.UTC(2016, 2, 10, 17, 0) },
      },
    });
  });

  it("gives each attribute the line of its element; a nested g:shipping never leaks its g:price", async () => {
    const [tee] = await items(fixture("products.xml"));
    expect(tee?.line).toBe(8);
    expect(tee?.lines?.price).toBe(12);
    expect(tee?.values.price).toBe("15.00 USD");
    expect(tee?.values.country).toBeUndefined();
  });

  it("matches the namespace URI, not the prefix", async () => {
    const xml = `<rss xmlns:x="http://base.google.com/ns/1.0" xmlns:g="urn:something-else"><channel>
      <item><x:id>A1</x:id><title>A</title><g:price>1.00 EUR</g:price><x:price>2.00 EUR</x:price></item>
    </channel></rss>`;
    const [item] = await items(xml, 3);
    expect(item?.values).toMatchObject({ id: "A1", title: "A", price: "2.00 EUR" });
  });

  it("reads a gzip body the same as the plain one", async () => {
    const plain = await items(fixture("products.xml"), 4096);
    expect(await items(gzipSync(fixture("products.xml")), 100)).toEqual(plain);
  });

  it("names every bad attribute of an item", () => {
    const r = readMerchantItem(
      {
        id: "A/1",
        title: "",
        price: "1.005 EUR",
        sale_price: "3.00 USD",
        sale_price_effective_date: "2026-02-29/2026-03-05",
        availability: "soon",
        gtin: "4006381333932",
        unit_pricing_measure: "750ml",
        unit_pricing_base_measure: "1kg",
        link: "ftp://x",
      },
      "EUR",
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.field}=${p.value}: ${p.reason}`)).toEqual([
      "id=A/1: as a SKU, must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
      'price=1.005 EUR: "1.005" has 3 decimal places; EUR allows 2',
      "sale_price=3.00 USD: is priced in USD; this store sells in EUR",
      'sale_price_effective_date=2026-02-29/2026-03-05: "2026-02-29" is not a real calendar date-time',
      'unit_pricing_base_measure=1kg: "kg" is not the same kind of unit as unit_pricing_measure "ml"',
      "availability=soon: must be one of in_stock, out_of_stock, preorder, backorder",
      "gtin=4006381333932: must be a GTIN-8/12/13/14 with a valid check digit",
      "title=: is required",
      "link=ftp://x: Invalid URL",
    ]);
  });

  it("an item priced in another currency than the store's is an error on price", () => {
    const r = readMerchantItem({ id: "A1", title: "A", price: "4999 JPY" }, "EUR");
    expect(r).toMatchObject({
      ok: false,
      problems: [{ field: "price", reason: "is priced in JPY; this store sells in EUR" }],
    });
    expect(readMerchantItem({ id: "A1", title: "A", price: "4999 JPY" }, "JPY")).toMatchObject({
      ok: true,
      item: { price: { amountMinor: 4999, currency: "JPY" } },
    });
  });
});

describe("local inventory", () => {
  it("reads a row; a local sale and price replace the national ones, what is absent is inherited", async () => {
    const rows = (await items(fixture("local-inventory.tsv"))).map((i) => readLocalOffer(i.values, "USD"));
    expect(rows[0]).toEqual({
      ok: true,
      offer: {
        storeCode: "store-sf",
        sku: "TEE-BLACK-M",
        quantity: 12,
        availability: "in_stock",
        price: { amountMinor: 1400, currency: "USD" },
        pickupMethod: "buy",
        pickupSla: "same day",
      },
    });
    const national = {
      price: { amountMinor: 1500, currency: "USD" },
      sale: { amountMinor: 1200, currency: "USD" },
    };
    expect(effectiveOffer(national, { price: { amountMinor: 1400, currency: "USD" } })).toEqual({
      price: { amountMinor: 1400, currency: "USD" },
      sale: { amountMinor: 1200, currency: "USD" },
    });
    expect(effectiveOffer(national, { sale: { amountMinor: 1100, currency: "USD" } })).toEqual({
      price: { amountMinor: 1500, currency: "USD" },
      sale: { amountMinor: 1100, currency: "USD" },
    });
    expect(effectiveOffer(national, undefined)).toEqual(national);
  });
});
