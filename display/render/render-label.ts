import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import type { ColorMode } from "../../schemas/common.ts";
import type { LabelContent } from "../../schemas/mqtt.ts";
import { LabelSvg } from "../labels/components.tsx";
import {
  isTemplateName,
  type LabelLayout,
  type LayoutOptions,
  layoutLabel,
  type TemplateName,
} from "../labels/layout.ts";
import { logicalSize, type Panel } from "../labels/panels.ts";
import { canvasToPlanes, composeLayout } from "./compose.ts";
import { planesToPng, planesToRgba, rgbaToPlanes, rotatePlanes } from "./planes.ts";

/**
 * Bump when the same content and panel would come out as different pixels (layout rules, font,
 * rasteriser): it is part of every cache key, so old bitmaps are never served for new rules.
 */
export const RENDERER_VERSION = "labels-2";

export interface RenderOptions extends LayoutOptions {
  /**
   * `compose` (default): rectangles filled directly and glyph bitmaps rasterised once by resvg and
   * reused; `svg`: the whole label's SVG through resvg. Both give the same pixels; labels with a
   * picture always take `svg` (the picture is resampled and dithered there).
   */
  raster?: "compose" | "svg";
}

export interface RenderedLabel {
  /** Native panel size (after rotation). */
  width: number;
  height: number;
  colors: ColorMode;
  /** 1-bit planes, layout in docs/rendering.md: plane 0 black, plane 1 red/yellow (bwry: 1 red, 2 yellow). */
  planes: Uint8Array[];
  svg: string;
  layout: LabelLayout;
  /** PNG of exactly the planes. */
  png(): Buffer;
  /** RGBA of exactly the planes. */
  rgba(): Uint8Array;
}

export class UnknownTemplateError extends Error {}

// Text is drawn as paths, so resvg needs no font at all; system fonts stay out so nothing on the
// machine can change a pixel.
const RESVG_OPTIONS: ResvgRenderOptions = {
  font: { loadSystemFonts: false },
  background: "#ffffff",
  // No anti-aliasing: panels have no grey, and hard edges sample each pixel's centre exactly once.
  // It is also the fastest mode. Anti-aliased input (pictures) is still handled by the quantiser.
  shapeRendering: 1,
  imageRendering: 0,
  logLevel: "off",
};

/** Which template draws this content: the caller's choice, else the content's, else `standard`. */
export function templateFor(content: LabelContent, options: RenderOptions = {}): TemplateName {
  if (options.template) return options.template;
  return content.template && isTemplateName(content.template) ? content.template : "standard";
}

function layoutFor(content: LabelContent, panel: Panel, options: RenderOptions): LabelLayout {
  const { raster: _raster, ...layoutOptions } = options;
  return layoutLabel(content, logicalSize(panel), panel.colors, {
    ...layoutOptions,
    template: templateFor(content, options),
  });
}

function svgOf(layout: LabelLayout, panel: Panel): string {
  return renderToString(h(LabelSvg, { layout, rotation: panel.rotation ?? 0 }));
}

/** The label as SVG (native panel orientation) plus the layout it came from. */
export function labelSvg(
  content: LabelContent,
  panel: Panel,
  options: RenderOptions = {},
): { svg: string; layout: LabelLayout } {
  const layout = layoutFor(content, panel, options);
  return { svg: svgOf(layout, panel), layout };
}

/** SVG → RGBA with resvg, at the SVG's own size (the panel's native pixels). */
export function rasterise(svg: string): { rgba: Uint8Array; width: number; height: number } {
  const image = new Resvg(svg, RESVG_OPTIONS).render();
  return { rgba: image.pixels, width: image.width, height: image.height };
}

/** Render label content for a panel: layout, rasterise, quantise to the panel's inks. */
export function renderLabel(content: LabelContent, panel: Panel, options: RenderOptions = {}): RenderedLabel {
  const layout = layoutFor(content, panel, options);
  const rotation = panel.rotation ?? 0;
  let svg: string | undefined;
  const quarter = rotation === 90 || rotation === 270;
  const width = quarter ? layout.height : layout.width;
  const height = quarter ? layout.width : layout.height;
  let planes: Uint8Array[];
  if (options.raster === "svg" || layout.ditherBoxes.length > 0) {
    // The upright drawing is rasterised and the bitmap turned, as the compositor does: turning the
    // vector drawing instead would move a few pixels whose centres sit exactly on an edge.
    const raster = rasterise(svgOf(layout, { ...panel, rotation: 0 }));
    const upright = rgbaToPlanes(raster.rgba, raster.width, raster.height, panel.colors, layout.ditherBoxes);
    planes = rotatePlanes(upright, raster.width, raster.height, rotation);
  } else {
    planes = canvasToPlanes(composeLayout(layout), panel.colors, rotation);
  }
  return {
    width,
    height,
    colors: panel.colors,
    planes,
    get svg() {
      svg ??= svgOf(layout, panel);
      return svg;
    },
    layout,
    png: () => planesToPng(planes, width, height, panel.colors),
    rgba: () => planesToRgba(planes, width, height, panel.colors),
  };
}

/**
 * PNG preview for a named template (what `GET /api/v1/templates/{template}/preview.png` serves).
 * Throws UnknownTemplateError for a name that is not a template.
 */
export function renderTemplatePreview(
  template: string,
  content: LabelContent,
  panel: Panel,
  options: RenderOptions = {},
): Buffer {
  if (!isTemplateName(template)) throw new UnknownTemplateError(`unknown template "${template}"`);
  return renderLabel(content, panel, { ...options, template }).png();
}
