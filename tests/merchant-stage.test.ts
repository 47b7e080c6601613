import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { openStores } from "../controller/store/index.ts";
import { type StagedItem, stageRowsOf } from "../controller/store/online.ts";
import { readMerchantItem } from "../schemas/merchant.ts";

/**
 * A product feed item is staged twice over: as JSON (what the online view keeps) and packed in one
 * typed column (what the apply reads back, without parsing the JSON). Read back, the typed part must
 * be exactly the product, price and sale of the parsed JSON: the same keys, the same values.
 */
const dir = mkdtempSync(join(tmpdir(), "shelfsync-stage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const optional = (...values: string[]) => fc.constantFrom(undefined, "", " ", ...values);
const rawItem = fc.record(
  {
    id: fc.constantFrom("SKU1"),
    // U+0001 / U+0002 separate the packed staging column: such an item is staged as JSON only.
    title: fc.constantFrom("Milk", " Brot 1 kg ", "Ä ö ü", "Tab\u0001Sep", "Mark\u0002"),
    price: fc.constantFrom("2.49 EUR", "15.00 EUR", "1200 EUR", "0.99 EUR"),
    brand: optional("Brand", " B "),
    gtin: optional("4006381333931", "96385074", "00012345600012"),
    product_type: optional("Dairy > Milk"),
    link: optional("https://shop.example.com/p/1", "https://example.com/a b"),
    unit_pricing_measure: optional("750 ml", "750ml", "1 kg", "3 ct", "0.5 l"),
    sale_price: optional("0.50 EUR", "0.01 EUR"),
    sale_price_effective_date: optional(
      "2026-03-23T00:00+0100/2026-04-06T00:00+0200",
      "2016-02-24T13:00-0800/2016-02-29T15:30-0800",
      "2026-03-23/2026-03-24",
    ),
  },
  { requiredKeys: ["id", "title", "price"] },
);

describe("Merchant Center staging: typed columns beside the JSON", () => {
  it("reads back exactly the product, price and sale of the item's JSON (property)", () => {
    const stores = openStores(join(dir, "stage.db"));
    try {
      let staged = 0;
      let withSale = 0;
      let unpackable = 0;
      fc.assert(
        fc.property(fc.array(rawItem, { minLength: 1, maxLength: 20 }), (raws) => {
          const items: StagedItem[] = [];
          raws.forEach((raw, i) => {
            const r = readMerchantItem({ ...raw, id: `SKU${i}` }, "EUR");
            if (!r.ok) return;
            const { product, price, sale } = r.item;
            items.push({
              itemId: r.item.sku,
              line: i + 2,
              sku: r.item.sku,
              offerJson: JSON.stringify(r.item),
              problems: null,
              imported: { product, price, sale },
            });
          });
          const stage = stores.online.openStage();
          try {
            expect(stage.stage(stageRowsOf(items))).toEqual([]);
            const back = [...stage.pages(7)].flat();
            expect(back.map((s) => s.itemId)).toEqual(items.map((s) => s.itemId));
            for (const [i, s] of back.entries()) {
              const parsed = JSON.parse(items[i]?.offerJson as string);
              const name: string = parsed.product.name;
              if (name.includes("\u0001") || name.includes("\u0002")) {
                // Not packable: read back from its JSON, as the apply then parses it.
                expect(s.imported).toBeUndefined();
                expect(s.offerJson).toBe(items[i]?.offerJson);
                unpackable++;
                continue;
              }
              // Read back, the JSON stays in SQLite (it goes to the online view from there).
              expect(s.offerJson).toBeNull();
              const want: Record<string, unknown> = { product: parsed.product, price: parsed.price };
              if (parsed.sale !== undefined) want.sale = parsed.sale;
              expect(s.imported).toStrictEqual(want);
              staged++;
              if (parsed.sale) withSale++;
            }
          } finally {
            stage.drop();
          }
        }),
        { numRuns: 150 },
      );
      expect(staged).toBeGreaterThan(100);
      expect(withSale).toBeGreaterThan(10);
      expect(unpackable).toBeGreaterThan(10);
    } finally {
      stores.close();
    }
  });

  it("names every repeated id with the line it was first staged at, in chunks of any size (property)", () => {
    const stores = openStores(join(dir, "stage3.db"));
    try {
      let repeats = 0;
      fc.assert(
        fc.property(
          // Ids from a small set (repeats within a chunk and across chunks), chunk sizes around the
          // 16 rows staged by one statement.
          fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 16, maxLength: 120 }),
          fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
          (ids, sizes) => {
            // Two items a line, as XML items on one line have.
            const items: StagedItem[] = ids.map((id, i) => ({
              itemId: `ID${id}`,
              line: 2 + Math.floor(i / 2),
              sku: `ID${id}`,
              offerJson: `{"n":${i}}`,
              problems: null,
            }));
            // The model: an id's first occurrence is staged, each later one is a duplicate.
            const first = new Map<string, number>();
            const want: { itemId: string; line: number; firstLine: number }[] = [];
            for (const it of items) {
              const at = first.get(it.itemId);
              if (at === undefined) first.set(it.itemId, it.line);
              else want.push({ itemId: it.itemId, line: it.line, firstLine: at });
            }
            const stage = stores.online.openStage();
            try {
              const got: { itemId: string; line: number; firstLine: number }[] = [];
              let from = 0;
              for (let c = 0; from < items.length; c++) {
                const chunk = items.slice(from, from + (sizes[c % sizes.length] as number));
                for (const d of stage.stage(stageRowsOf(chunk))) {
                  expect(chunk[d.index]?.itemId).toBe(d.itemId);
                  expect(chunk[d.index]?.line).toBe(d.line);
                  got.push({ itemId: d.itemId, line: d.line, firstLine: d.firstLine });
                }
                from += chunk.length;
              }
              expect(got).toEqual(want);
              const back = [...stage.pages(5)].flat();
              expect(back.map((s) => [s.itemId, s.line])).toEqual([...first.entries()]);
              repeats += want.length;
            } finally {
              stage.drop();
            }
          },
        ),
        { numRuns: 150 },
      );
      expect(repeats).toBeGreaterThan(1000);
    } finally {
      stores.close();
    }
  });

  it("an item staged without typed columns (refused, or local inventory) reads back without them", () => {
    const stores = openStores(join(dir, "stage2.db"));
    try {
      const stage = stores.online.openStage();
      stage.stage(
        stageRowsOf([
          {
            itemId: "X",
            line: 2,
            sku: "X",
            offerJson: null,
            problems: [{ field: "price", value: "", reason: "is required" }],
          },
          { itemId: "Y", line: 3, sku: "Y", offerJson: '{"sku":"Y","storeCode":"s"}', problems: null },
        ]),
      );
      const back = [...stage.pages()].flat();
      expect(back.map((s) => s.imported)).toEqual([undefined, undefined]);
      expect(back.map((s) => s.offerJson)).toEqual([null, '{"sku":"Y","storeCode":"s"}']);
      expect(back[0]?.problems).toEqual([{ field: "price", value: "", reason: "is required" }]);
      stage.drop();
    } finally {
      stores.close();
    }
  });
});
