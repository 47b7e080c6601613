import type { LabelContent, Tile, TileStep } from "../../schemas/index.ts";
import {
  type ContentContext,
  contentHash,
  pricingInputFor,
  type ShownContent,
  shownContent,
} from "../labels/content.ts";
import { nextTransitions, resolvePrice } from "../pricing/index.ts";
import type { CatalogStore } from "../store/catalog.ts";

/**
 * A live price tile is the SKU's label content, not a second computation of it: the same catalogue
 * snapshot, the same resolution (controller/pricing), the same `shownContent` and hash as the labels
 * (controller/labels/content.ts), and the label's own words (display/labels layoutLabel →
 * labelTextLines). The coming changes (a promotion's end, a scheduled price) come from the pricing
 * engine's nextTransitions, so a player can switch on the second without asking.
 */

/** How far ahead a show lists a tile's changes: a player keeps playing this long without the controller. */
export const SHOW_HORIZON_MS = 7 * 86_400_000;
/** At most this many changes per SKU in one show (a promotion every hour for a week is 336). */
const MAX_STEPS = 400;

/**
 * The label layout (fonts, text fitting) is loaded on first use: a controller without screens never
 * pays for it. Lines are laid out on a large landscape panel, where no optional line is dropped.
 */
const loadLayout = () => import("../../display/labels/layout.ts");
const loadCodes = () => import("../../display/labels/codes.ts");
type Layout = Awaited<ReturnType<typeof loadLayout>>;
type Codes = Awaited<ReturnType<typeof loadCodes>>;
const LINES_PANEL = { width: 800, height: 480 } as const;

export interface TileMaker {
  /** Per SKU, the tile at `now` and at each change up to `now + horizon`. */
  timelines(skus: readonly string[], now: number, horizonMs?: number): Promise<Record<string, TileStep[]>>;
}

export function tileMaker(deps: { catalog: CatalogStore; ctx: () => ContentContext }): TileMaker {
  let layout: Layout | undefined;
  let codes: Codes | undefined;
  /** By content hash: the lines and QR of equal content are equal. Oldest dropped first. */
  const made = new Map<string, Tile>();

  const tileOf = (shown: ShownContent): Tile => {
    const json = JSON.stringify(shown);
    const hash = contentHash(json);
    const hit = made.get(hash);
    if (hit) return hit;
    const content = { v: 1, labelId: "screen", ...shown, contentHash: hash, version: 0 } as LabelContent;
    const lines = layout
      ? layout.labelTextLines(layout.layoutLabel(content, LINES_PANEL, "bwr"))
      : [shown.price.text];
    const tile: Tile = {
      sku: shown.sku,
      name: shown.name,
      ...(shown.brand ? { brand: shown.brand } : {}),
      price: shown.price,
      ...(shown.regularPrice ? { regularPrice: shown.regularPrice } : {}),
      stock: shown.stock,
      lines,
      contentHash: hash,
    };
    if (shown.url) {
      tile.url = shown.url;
      const qr = codes?.qrCode(shown.url);
      if (qr) tile.qr = { size: qr.size, modules: Array.from(qr.modules, (m) => (m ? "1" : "0")).join("") };
    }
    if (made.size >= 2000) made.delete(made.keys().next().value as string);
    made.set(hash, tile);
    return tile;
  };

  return {
    async timelines(skus, now, horizonMs = SHOW_HORIZON_MS) {
      layout ??= await loadLayout();
      codes ??= await loadCodes();
      const ctx = deps.ctx();
      const source = deps.catalog.snapshot(new Set(skus), now);
      const out: Record<string, TileStep[]> = {};
      for (const sku of skus) {
        const product = source.product(sku);
        if (!product) {
          out[sku] = [{ from: new Date(now).toISOString(), tile: null }];
          continue;
        }
        const input = pricingInputFor(source, product, ctx.policy);
        const onHand = source.stock(sku);
        const step = (at: number, resolved: ReturnType<typeof resolvePrice>): TileStep => {
          const shown = shownContent(product, resolved, onHand, ctx);
          return { from: new Date(at).toISOString(), tile: shown ? tileOf(shown) : null };
        };
        const steps = [step(now, resolvePrice({ ...input, at: now }))];
        for (const t of nextTransitions(input, now, now + horizonMs).slice(0, MAX_STEPS)) {
          steps.push(step(t.at, t.result));
        }
        out[sku] = steps;
      }
      return out;
    },
  };
}
