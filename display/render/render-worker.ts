import { parentPort } from "node:worker_threads";
import type { LabelContent } from "../../schemas/mqtt.ts";
import type { Panel } from "../labels/panels.ts";
import { type RenderOptions, renderLabel } from "./render-label.ts";

/** Worker side of the render pool: render a batch, hand the plane buffers back without copying. */

export interface WorkerJob {
  content: LabelContent;
  panel: Panel;
  options?: RenderOptions;
}

export interface WorkerRequest {
  batchId: number;
  jobs: WorkerJob[];
}

export type WorkerReply =
  | { batchId: number; ok: true; images: { width: number; height: number; planes: Uint8Array[] }[] }
  | { batchId: number; ok: false; error: string };

parentPort?.on("message", (req: WorkerRequest) => {
  try {
    const images = req.jobs.map((job) => {
      const r = renderLabel(job.content, job.panel, job.options);
      return { width: r.width, height: r.height, planes: r.planes };
    });
    const transfer = images.flatMap((img) => img.planes.map((p) => p.buffer as ArrayBuffer));
    parentPort?.postMessage({ batchId: req.batchId, ok: true, images } satisfies WorkerReply, transfer);
  } catch (err) {
    parentPort?.postMessage({
      batchId: req.batchId,
      ok: false,
      error: String((err as Error)?.stack ?? err),
    } satisfies WorkerReply);
  }
});
