import { LabelRenderer, type Panel, type PlaneImage } from "../../display/render/index.ts";
import type { LabelCommand, LabelContent, LabelDescriptor } from "../../schemas/index.ts";
import type { ApplyResult, BridgeAdapter, BridgeContext } from "../core/index.ts";
import { imagePayload } from "./image-payload.ts";

export interface BitmapLabel {
  labelId: string;
  panel: Panel;
  model?: string;
}

interface Waiting {
  labelId: string;
  content: LabelContent;
  panel: Panel;
  resolve: (image: PlaneImage) => void;
  reject: (error: unknown) => void;
}

/**
 * The bitmap bridge: for labels that want pixels, not JSON. Each content update is rendered to the
 * label's panel planes and published on `…/label/{labelId}/image`; the label draws it and reports
 * `displayedHash` itself (the bridge never claims what a panel shows). Renders that arrive together
 * (a reprice of many labels) are drawn as one batch on the worker pool, across all cores, and the
 * cache keyed by content hash + template + panel means unchanged content is never drawn twice.
 */
export class BitmapAdapter implements BridgeAdapter {
  readonly kind = "bitmap";
  private context: BridgeContext | undefined;
  private readonly byId: Map<string, BitmapLabel>;
  private readonly descriptors: LabelDescriptor[];
  private readonly renderer: LabelRenderer;
  private waiting: Waiting[] = [];
  private flushScheduled = false;

  constructor(labels: BitmapLabel[], options: { renderer?: LabelRenderer } = {}) {
    this.byId = new Map(labels.map((l) => [l.labelId, l]));
    this.descriptors = labels.map((l) => ({
      labelId: l.labelId,
      ...(l.model ? { model: l.model } : {}),
      width: l.panel.width,
      height: l.panel.height,
      colors: l.panel.colors,
    }));
    this.renderer = options.renderer ?? new LabelRenderer();
  }

  start(context: BridgeContext): void {
    this.context = context;
  }

  labels(): readonly LabelDescriptor[] {
    return this.descriptors;
  }

  async applyContent(labelId: string, content: LabelContent | null): Promise<ApplyResult> {
    const label = this.byId.get(labelId);
    const ctx = this.context;
    if (!label || !ctx)
      return { ok: false, reason: `label ${labelId} is not served by this bridge`, retry: false };
    try {
      if (content === null) {
        await ctx.publishImage(labelId, null);
        return { ok: true };
      }
      const image = await this.renderBatched(labelId, content, label.panel);
      await ctx.publishImage(labelId, imagePayload(labelId, content, image, label.panel.rotation ?? 0));
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  command(labelId: string, command: LabelCommand): void {
    // A pixel label has no LED the bridge could drive; the device gets commands on its own topic.
    this.context?.logger.info("command for a bitmap label is left to the device", {
      labelId,
      command: command.command,
    });
  }

  async stop(): Promise<void> {
    await this.renderer.close();
  }

  /** Collect the renders asked for in one tick and draw them as one batch. */
  private renderBatched(labelId: string, content: LabelContent, panel: Panel): Promise<PlaneImage> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ labelId, content, panel, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    try {
      const { images } = await this.renderer.renderMany(
        batch.map((w) => ({ content: w.content, panel: w.panel })),
      );
      batch.forEach((w, i) => {
        const image = images[i];
        if (image) w.resolve(image);
        else w.reject(new Error("renderer returned no image"));
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
