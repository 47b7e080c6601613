import { join } from "node:path";
import { openStores } from "../controller/store/index.ts";
import { type BenchRow, bestOf, row, scratchDir, timed } from "./support.ts";

const PRODUCTS = 100_000;
const GTIN_BASE = 400_638_100_000;

/** A GTIN-13 from its first 12 digits. */
function gtin13(first12: number): string {
  const digits = String(first12).padStart(12, "0");
  const sum = [...digits].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return digits + String((10 - (sum % 10)) % 10);
}

/**
 * Product search on a 100,000-product store (GET /api/v1/products?q=, store/product-search.ts):
 * a scanned GTIN, a common word's first page, and the worst case, a word no product has (the walk
 * covers every product). The raw baseline is the bare scan SQLite does for one LIKE over every name.
 */
export async function benchSearch(): Promise<BenchRow[]> {
  const dir = scratchDir();
  const stores = openStores(join(dir.path, "store.db"));
  try {
    const names = ["Bergkäse würzig", "Gouda jung", "Espresso Bohnen", "Vollmilch 3,5 %", "Dinkelbrot"];
    stores.catalog.applyBatch(
      "products",
      1,
      "csv",
      Array.from({ length: PRODUCTS }, (_, i) => ({
        line: i + 2,
        row: {
          sku: `SKU${i}`,
          gtin: gtin13(GTIN_BASE + i),
          name: `${names[i % names.length]} ${i}`,
          brand: `Brand ${i % 300}`,
        },
      })),
      Date.now(),
    );
    const search = (q: string) => stores.productSearch.search({ q, limit: 21 });
    const bare = stores.db.$client.prepare("SELECT COUNT(*) AS n FROM products WHERE name LIKE ?");
    const runs = 200;
    const each = async (fn: () => unknown) =>
      bestOf(3, () =>
        timed(() => {
          for (let i = 0; i < runs; i++) fn();
        }),
      );
    const baseline = await each(() => bare.get("%zzzz%"));
    const none = await each(() => search("zzzz"));
    const common = await each(() => search("kase"));
    const gtin = await each(() => search(gtin13(GTIN_BASE + 77_777)));
    if (search(gtin13(GTIN_BASE + 77_777))[0]?.sku !== "SKU77777") throw new Error("GTIN search missed");
    if (search("zzzz").length !== 0 || search("kase").length !== 21) throw new Error("word search wrong");
    const per = (ms: number) => `${(ms / runs).toFixed(2)} ms per search`;
    return [
      row("search baseline: bare LIKE scan of 100k names, no match", runs, baseline.ms, {
        note: per(baseline.ms),
      }),
      row("search: a word no product has (walks all 100k)", runs, none.ms, {
        ratio: baseline.ms / none.ms,
        note: per(none.ms),
      }),
      row("search: a common word, first page of 21", runs, common.ms, { note: per(common.ms) }),
      row("search: a scanned GTIN-13", runs, gtin.ms, { note: per(gtin.ms) }),
    ];
  } finally {
    stores.close();
    dir.cleanup();
  }
}
