import { renderLabel } from "../../display/render/render-label.ts";
import type { LabelCommand, LabelContent, LabelDescriptor } from "../../schemas/mqtt.ts";
import type { ApplyResult, BridgeAdapter, BridgeContext } from "../core/index.ts";
import { OeplAdapter, type OeplAdapterOptions, type OeplPanel, type OeplRender } from "./adapter.ts";
import type { RgbaImage } from "./jpeg.ts";

/** The project's label renderer, at the panel's native size and inks (already pure panel colours). */
export function renderWithDisplay(content: LabelContent, panel: OeplPanel): RgbaImage {
  const rendered = renderLabel(content, { width: panel.width, height: panel.height, colors: panel.colors });
  return { data: rendered.rgba(), width: rendered.width, height: rendered.height };
}

export interface OeplBridgeOptions extends Omit<OeplAdapterOptions, "host" | "logger" | "render"> {
  /** Defaults to {@link renderWithDisplay}. */
  render?: OeplRender;
}

/**
 * The OpenEPaperLink tag sync as a `BridgeAdapter` for firmware-bridge/core's runtime.
 *
 * `applyContent` resolves `{ ok: true }` once the AP has the image queued for the tag or the tag shows
 * it, not only once a sleeping tag has fetched it (minutes): the runtime hands over newer content only
 * after an apply settles, and newer content must reach the adapter while the old image still waits
 * at the AP so it can be replaced rather than drawn first. What the tag shows is reported, as always,
 * only once `/get_db` confirms it. No `maxConcurrentApplies`: uploads are already limited per AP.
 */
export class OeplBridgeAdapter implements BridgeAdapter {
  readonly kind = "oepl";
  private inner?: OeplAdapter;
  private inventory: readonly LabelDescriptor[] = [];

  constructor(private readonly options: OeplBridgeOptions) {}

  async start(context: BridgeContext): Promise<void> {
    this.inner = new OeplAdapter({
      ...this.options,
      render: this.options.render ?? renderWithDisplay,
      logger: context.logger,
      host: {
        reportState: (labelId, state) => context.reportState(labelId, state),
        labelsChanged: (labels) => {
          this.inventory = labels;
          context.labelsChanged();
        },
      },
    });
    await this.inner.start();
  }

  labels(): readonly LabelDescriptor[] {
    return this.inventory;
  }

  async applyContent(labelId: string, content: LabelContent | null): Promise<ApplyResult> {
    if (!this.inner) return { ok: false, reason: "the OEPL bridge is not started", retry: false };
    const outcome = await this.inner.submitContent(labelId, content);
    if (outcome.ok) return { ok: true };
    return {
      ok: false,
      reason: outcome.reason,
      retry: outcome.retry,
      ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
    };
  }

  /** Throws when the tag cannot do it (no LED, unknown) or the AP refused: the runtime logs it. */
  async command(labelId: string, command: LabelCommand): Promise<void> {
    if (!this.inner) throw new Error("the OEPL bridge is not started");
    const result = await this.inner.command(labelId, command);
    if (!result.ok) throw new Error(`${result.reason}: ${result.message}`);
  }

  async stop(): Promise<void> {
    await this.inner?.stop();
  }

  /** Counters of the tag sync (uploads, confirmations, identical images, failures, replacements). */
  stats() {
    return this.inner?.stats();
  }
}
