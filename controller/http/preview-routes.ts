import type { Context } from "hono";
import { Hono } from "hono";
import type { Panel } from "../../display/render/index.ts";
import { excerpt } from "../../schemas/excerpt.ts";
import { type ColorMode, ID_PATTERN, type LabelContent } from "../../schemas/index.ts";
import type { ControllerServices } from "../services.ts";
import type { LabelRecord } from "../store/labels.ts";
import { apiError } from "./errors.ts";
import { doc } from "./openapi.ts";

/** The panel a label without a known geometry is previewed on: the most common shelf size. */
const DEFAULT_PANEL = "2.9in-bwr";

/**
 * PNG previews of exactly the planes a panel gets (docs/rendering.md), for staff and for support:
 * `GET /labels/{labelId}/preview.png[?panel=…]` and `GET /templates/{template}/preview.png?sku=…&panel=…`;
 * `GET /labels/{labelId}/preview.txt` is the label's text rendering.
 * PNGs are cached by content hash, template and panel, so a console polling a wall of labels does
 * not re-render what did not change.
 */
/**
 * The renderer (resvg, the fonts, the barcode library: over a megabyte of code and a native addon) is
 * loaded on the first preview, not at start: most controllers never draw a label themselves.
 */
const loadRenderer = () => import("../../display/render/index.ts");
type Renderer = Awaited<ReturnType<typeof loadRenderer>>;

/**
 * The largest preview drawn: the biggest e-paper panels sold for shelves and signage are 13.3"
 * (1600×1200); anything beyond is a mistake or an attack, refused before any work.
 */
export const MAX_PREVIEW_SIDE = 2048;
export const MAX_PREVIEW_PIXELS = 1600 * 1200;

export function previewRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  /** Insertion-ordered, so the oldest entry is dropped first; 512 previews are a few MB. */
  const cache = new Map<string, Buffer>();

  // One render worker for previews: rasterising a large panel takes long enough to stall every other
  // request if done on the event loop (a 4096×4096 preview stalled the API for seconds). Its idle
  // thread does not keep the process alive (RenderPool unrefs idle workers).
  let pool: InstanceType<Renderer["RenderPool"]> | undefined;
  const png = async (r: Renderer, c: Context, content: LabelContent, panel: Panel, template?: string) => {
    const { renderKey, planesToPng } = r;
    const options = template ? { template: template as never } : {};
    const key = renderKey(content, panel, options);
    let body = cache.get(key);
    if (!body) {
      pool ??= new r.RenderPool({ size: 1, inThreadBelow: 1 });
      const [image] = await pool.renderMany([{ content, panel, options }]);
      if (!image) throw new Error("render worker returned no image");
      body = planesToPng(image.planes, image.width, image.height, panel.colors);
      if (cache.size >= 512) cache.delete(cache.keys().next().value as string);
      cache.set(key, body);
    }
    return c.body(new Uint8Array(body), 200, { "Content-Type": "image/png", "Cache-Control": "no-cache" });
  };

  const panelOf = (r: Renderer, c: Context, label?: LabelRecord): Panel | Response => {
    const panel = requestedPanel(r, c, label);
    if (panel instanceof Response) return panel;
    if (
      panel.width > MAX_PREVIEW_SIDE ||
      panel.height > MAX_PREVIEW_SIDE ||
      panel.width * panel.height > MAX_PREVIEW_PIXELS
    ) {
      const what = `${panel.width}×${panel.height}`;
      return apiError(
        c,
        422,
        "panel_too_large",
        `a ${what} preview is larger than previews go (${MAX_PREVIEW_SIDE} px a side, ${MAX_PREVIEW_PIXELS} px in all)`,
        [{ field: c.req.query("panel") ? "panel" : "label.width×height", reason: `${what} is too large` }],
      );
    }
    return panel;
  };
  const requestedPanel = (
    { parsePanelSpec }: Renderer,
    c: Context,
    label?: LabelRecord,
  ): Panel | Response => {
    const spec = c.req.query("panel");
    if (spec) {
      const p = parsePanelSpec(spec);
      const quoted = excerpt(spec);
      return (
        p ??
        apiError(c, 400, "invalid_panel", `panel "${quoted}" is not a size like 2.9in-bwr or 296x128-bwy-90`)
      );
    }
    if (label?.width && label.height) {
      return { width: label.width, height: label.height, colors: (label.colors ?? "bw") as ColorMode };
    }
    return parsePanelSpec(DEFAULT_PANEL) as Panel;
  };

  /** A label's current content and the panel to draw it on, or the error reply. */
  const labelPreview = async (c: Context) => {
    const id = c.req.param("labelId") ?? "";
    const label = ID_PATTERN.test(id) ? s.labels.get(id) : undefined;
    if (!label) return apiError(c, 404, "unknown_label", `no label "${id}"`);
    if (!label.contentJson)
      return apiError(c, 404, "no_content", `label "${id}" has nothing to show (not linked, or no price)`);
    const r = await loadRenderer();
    const panel = panelOf(r, c, label);
    if (panel instanceof Response) return panel;
    return { r, panel, content: JSON.parse(label.contentJson) as LabelContent };
  };

  api.get(
    "/labels/:labelId/preview.png",
    doc({
      summary: "PNG of exactly the planes the label's panel gets (`?panel=2.9in-bwr` for another panel)",
      tags: ["labels"],
      ok: { media: "image/png", description: "The preview" },
      errors: [400, 404, 422],
    }),
    async (c) => {
      const p = await labelPreview(c);
      return p instanceof Response ? p : png(p.r, c, p.content, p.panel);
    },
  );

  // The same preview as text: what the label says, one block a line, in drawing order (the words
  // a shopper reads, for support, screen readers and tests).
  api.get(
    "/labels/:labelId/preview.txt",
    doc({
      summary: "What the label says, as text: one block a line, in drawing order",
      tags: ["labels"],
      ok: { media: "text/plain", description: "The label's words" },
      errors: [400, 404],
    }),
    async (c) => {
      const p = await labelPreview(c);
      if (p instanceof Response) return p;
      const { layout } = p.r.labelSvg(p.content, p.panel);
      return c.text(`${p.r.labelTextLines(layout).join("\n")}\n`, 200, { "Cache-Control": "no-cache" });
    },
  );

  api.get(
    "/templates/:template/preview.png",
    doc({
      summary: "PNG of a template for a SKU (`?sku=`, else a sample) on a panel (`?panel=`)",
      tags: ["labels"],
      ok: { media: "image/png", description: "The preview" },
      errors: [400, 404],
    }),
    async (c) => {
      const template = c.req.param("template");
      const r = await loadRenderer();
      const { isTemplateName, TEMPLATE_NAMES, SAMPLES } = r;
      if (!isTemplateName(template)) {
        return apiError(
          c,
          404,
          "unknown_template",
          `no template "${template}"; templates are ${TEMPLATE_NAMES.join(", ")}`,
        );
      }
      const panel = panelOf(r, c);
      if (panel instanceof Response) return panel;
      const sku = c.req.query("sku");
      if (!sku) return png(r, c, SAMPLES.regular, panel, template);
      const label = { labelId: "preview", sku } as LabelRecord;
      if (!s.catalog.product(sku)) return apiError(c, 404, "unknown_sku", `no product with SKU "${sku}"`);
      const body = s.sync.contentAt(label, s.clock.now());
      if (!body) return apiError(c, 404, "no_price", `no price in force for SKU "${sku}"`);
      return png(r, c, { ...body, version: 0 }, panel, template);
    },
  );

  return api;
}
