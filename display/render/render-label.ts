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
import { logicalSize, type Panel, type Rotation } from "../labels/panels.ts";
import { planesToPng, planesToRgba, type Rect, rgbaToPlanes } from "./planes.ts";

/**
 * Bump when the same content and panel would come out as different pixels (layout rules, font,
 * rasteriser): it is part of every cache key, so old bitmaps are never served for new rules.
 */
export const RENDERER_VERSION = "labels-1";

export type RenderOptions = LayoutOptions;

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

/** The label as SVG (native panel orientation) plus the layout it came from. */
export function labelSvg(
  content: LabelContent,
  panel: Panel,
  options: RenderOptions = {},
): { svg: string; layout: LabelLayout } {
  const layout = layoutLabel(content, logicalSize(panel), panel.colors, {
    ...options,
    template: templateFor(content, options),
  });
  const svg = renderToString(h(LabelSvg, { layout, rotation: panel.rotation ?? 0 }));
  return { svg, layout };
}

/** SVG → RGBA with resvg, at the SVG's own size (the panel's native pixels). */
export function rasterise(svg: string): { rgba: Uint8Array; width: number; height: number } {
  const image = new Resvg(svg, RESVG_OPTIONS).render();
  return { rgba: image.pixels, width: image.width, height: image.height };
}

/** Turn a drawing-space box into native panel coordinates. */
export function rotateBox(box: Rect, rotation: Rotation, logicalW: number, logicalH: number): Rect {
  switch (rotation) {
    case 90:
      return { x: logicalH - box.y - box.h, y: box.x, w: box.h, h: box.w };
    case 180:
      return { x: logicalW - box.x - box.w, y: logicalH - box.y - box.h, w: box.w, h: box.h };
    case 270:
      return { x: box.y, y: logicalW - box.x - box.w, w: box.h, h: box.w };
    default:
      return box;
  }
}

/** Render label content for a panel: layout, SVG, rasterise, quantise to the panel's inks. */
export function renderLabel(content: LabelContent, panel: Panel, options: RenderOptions = {}): RenderedLabel {
  const { svg, layout } = labelSvg(content, panel, options);
  const { rgba, width, height } = rasterise(svg);
  const rotation = panel.rotation ?? 0;
  const dither = layout.ditherBoxes.map((b) => rotateBox(b, rotation, layout.width, layout.height));
  const planes = rgbaToPlanes(rgba, width, height, panel.colors, dither);
  return {
    width,
    height,
    colors: panel.colors,
    planes,
    svg,
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
