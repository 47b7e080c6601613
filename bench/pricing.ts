import { performance } from "node:perf_hooks";
import {
  checkGuardRail,
  historyEntryAt,
  nextTransitions,
  type PriceEntry,
  type PricingInput,
  type PricingProduct,
  resolvePrice,
} from "../controller/pricing/index.ts";
import type { Unit } from "../schemas/feeds.ts";
import type { Promotion, PromotionKind } from "../schemas/promotions.ts";

export interface BenchResult {
  name: string;
  ops: number;
  ms: number;
  opsPerSec: number;
}

const DAY = 86_400_000;
const AT = Date.parse("2026-06-15T10:00:00Z");

/** Deterministic LCG so every run prices the same catalogue. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const PACKS: [string, Unit][] = [
  ["500", "g"],
  ["1", "kg"],
  ["250", "g"],
  ["1.5", "l"],
  ["330", "ml"],
  ["75", "cl"],
  ["6", "piece"],
  ["10", "m"],
];
const KINDS: [PromotionKind, string, number | undefined][] = [
  ["percent", "20", undefined],
  ["percent", "12.5", undefined],
  ["amount", "0.30", undefined],
  ["fixed", "0.99", undefined],
  ["multibuy", "5.00", 3],
  ["multibuy", "50%", 2],
  ["member", "0.89", undefined],
];

/** 100,000 SKUs with 1–5 past price changes each; one in ten on a promotion at the instant. */
export function catalogue(size: number): PricingInput[] {
  const rnd = random(42);
  const inputs: PricingInput[] = [];
  const policy = { locale: "de-DE", timeZone: "Europe/Berlin" };
  let id = 1;
  for (let n = 0; n < size; n++) {
    const sku = `SKU${n}`;
    const [netQuantity, unit] = PACKS[n % PACKS.length] as [string, Unit];
    const product: PricingProduct = { sku, netQuantity, unit, category: `cat${n % 40}` };
    const history: PriceEntry[] = [];
    const changes = 1 + Math.floor(rnd() * 5);
    let from = AT - 400 * DAY;
    for (let c = 0; c < changes; c++) {
      history.push({
        id: id++,
        sku,
        amountMinor: 99 + Math.floor(rnd() * 900),
        currency: "EUR",
        effectiveFrom: from,
        effectiveTo: null,
        sequence: c + 1,
      });
      from += Math.floor(rnd() * 80) * DAY;
    }
    const promotions: Promotion[] = [];
    if (n % 10 === 0) {
      const [kind, value, buyQuantity] = KINDS[(n / 10) % KINDS.length] as (typeof KINDS)[number];
      promotions.push({
        promotionId: `P${n}`,
        kind,
        skus: [sku],
        value,
        buyQuantity,
        start: AT - Math.floor(rnd() * 10) * DAY,
        end: AT + Math.floor(1 + rnd() * 10) * DAY,
        priority: 0,
        source: "central",
      });
    }
    inputs.push({ product, history, promotions, policy });
  }
  return inputs;
}

/** Best of three timed runs after a warm-up (JIT, text caches: a controller that has been running). */
function measure(name: string, ops: number, run: () => void, cold?: BenchResult[]): BenchResult {
  const first = performance.now();
  run();
  if (cold) cold.push(result(`${name}, first run (cold JIT and caches)`, ops, performance.now() - first));
  let ms = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    run();
    ms = Math.min(ms, performance.now() - started);
  }
  return result(name, ops, ms);
}

function result(name: string, ops: number, ms: number): BenchResult {
  return { name, ops, ms: Math.round(ms * 10) / 10, opsPerSec: Math.round((ops / ms) * 1000) };
}

export async function benchPricing(): Promise<BenchResult[]> {
  const size = 100_000;
  const inputs = catalogue(size);
  let sink = 0;
  const results: BenchResult[] = [];

  results.push(
    measure("pricing: raw baseline, latest history entry per SKU (no rules, no texts)", size, () => {
      for (const input of inputs) sink += historyEntryAt(input.history, AT)?.amountMinor ?? 0;
    }),
  );
  const cold: BenchResult[] = [];
  results.push(
    measure(
      "pricing: resolvePrice, 100k SKUs at one instant (10% on promotion)",
      size,
      () => {
        for (const input of inputs) sink += resolvePrice({ ...input, at: AT })?.price.amountMinor ?? 0;
      },
      cold,
    ),
    ...cold,
  );
  results.push(
    measure("pricing: nextTransitions over the next 14 days, 100k SKUs", size, () => {
      for (const input of inputs) sink += nextTransitions(input, AT, AT + 14 * DAY).length;
    }),
  );

  const chainSize = 20_000;
  const chainSkus = inputs.slice(0, chainSize).map((i) => i.product.sku);
  const chainWide: Promotion = {
    promotionId: "CHAIN",
    kind: "percent",
    skus: chainSkus,
    value: "15",
    start: AT,
    end: AT + 7 * DAY,
    priority: 10,
    source: "central",
  };
  results.push(
    measure("pricing: chain-wide promotion on 20k SKUs, resolve each at its start", chainSize, () => {
      for (let n = 0; n < chainSize; n++) {
        const input = inputs[n] as PricingInput;
        const promotions = [...(input.promotions ?? []), chainWide];
        sink += resolvePrice({ ...input, promotions, at: AT })?.price.amountMinor ?? 0;
      }
    }),
  );
  results.push(
    measure("pricing: checkGuardRail, 100k price changes", size, () => {
      for (let n = 0; n < size; n++) {
        const current = { amountMinor: 100 + (n % 900), currency: "EUR" };
        const proposed = { amountMinor: (n * 7) % 2000, currency: "EUR" };
        if (checkGuardRail(current, proposed)) sink++;
      }
    }),
  );
  if (sink === 42) console.log("");
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchPricing()) {
    console.log(`${r.name}: ${r.ops} ops in ${r.ms} ms (${r.opsPerSec.toLocaleString("en")} ops/s)`);
  }
}
