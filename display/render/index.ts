/** The label renderer's public surface: what the controller and the bridges import. */

export { CATALOGUES, type Catalogue, catalogueFor, LANGUAGES } from "../i18n/index.ts";
export type { LabelWords } from "../labels/layout.ts";
export {
  chooseLayout,
  isTemplateName,
  type LayoutKind,
  labelTextLines,
  TEMPLATE_NAMES,
  type TemplateName,
} from "../labels/layout.ts";
export {
  logicalSize,
  PANEL_CATALOGUE,
  PANEL_COLOR_MODES,
  type Panel,
  type PanelModel,
  panelModelFor,
  parsePanelSpec,
  type Rotation,
} from "../labels/panels.ts";
export { SAMPLE_LOCALES, SAMPLE_SCENARIOS, SAMPLES, samplesFor } from "../labels/samples.ts";
export { type BulkResult, LabelRenderer, type LabelRendererOptions } from "./label-renderer.ts";
export { planeCount, planesToPng, planesToRgba, rowBytes } from "./planes.ts";
export { type PlaneImage, RenderCache, renderKey } from "./render-cache.ts";
export {
  labelSvg,
  RENDERER_VERSION,
  type RenderedLabel,
  type RenderOptions,
  renderLabel,
  renderTemplatePreview,
  templateFor,
  UnknownTemplateError,
} from "./render-label.ts";
export { type RenderJob, RenderPool, type RenderPoolOptions } from "./render-pool.ts";
