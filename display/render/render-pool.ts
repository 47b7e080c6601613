import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { builtEntry, RUNNING_BUILT } from "../../lib/paths.ts";
import { startWorker } from "../../lib/young-generation.ts";
import type { PlaneImage } from "./render-cache.ts";
import { renderLabel } from "./render-label.ts";
import type { WorkerJob, WorkerReply, WorkerRequest } from "./render-worker.ts";

export type RenderJob = WorkerJob;

export interface RenderPoolOptions {
  /** Worker threads; default: the cores this process may use. */
  size?: number;
  /** Batches smaller than this render in the calling thread: a worker round trip costs more. */
  inThreadBelow?: number;
  /** Jobs per message to a worker: large enough to amortise messaging, small enough to balance. */
  batchSize?: number;
}

/**
 * Built (npm start, npm run bridge): the worker's own bundle, plain JavaScript. From source (tests,
 * benches, tsx): a plain-JS entry that registers tsx's hooks inside the worker before loading the
 * TypeScript worker, since `--import tsx` in a worker's execArgv is not honoured by Node 20 and a
 * worker does not inherit the parent's loader.
 */
const WORKER_ENTRY = RUNNING_BUILT
  ? builtEntry("display/render/render-worker")
  : new URL("./render-worker-entry.mjs", import.meta.url);

interface Pending {
  resolve: (images: PlaneImage[]) => void;
  reject: (err: Error) => void;
  jobs: RenderJob[];
}

/**
 * A pool of render worker threads for bulk re-renders (a chain-wide reprice, a template change);
 * small batches render in the calling thread. Results come back in job order.
 */
export class RenderPool {
  readonly size: number;
  private readonly inThreadBelow: number;
  private readonly batchSize: number;
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: { request: WorkerRequest; pending: Pending }[] = [];
  private readonly inflight = new Map<Worker, { batchId: number; pending: Pending }>();
  private nextBatch = 1;
  private closed = false;

  constructor(options: RenderPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.inThreadBelow = options.inThreadBelow ?? 32;
    this.batchSize = Math.max(1, options.batchSize ?? 64);
  }

  /** Start the workers now rather than on the first large batch (their start-up takes a moment). */
  async warm(): Promise<void> {
    this.ensureWorkers();
    const probe = await Promise.all(this.workers.map(() => this.submit([])));
    void probe;
  }

  async renderMany(jobs: RenderJob[]): Promise<PlaneImage[]> {
    if (this.closed) throw new Error("render pool is closed");
    if (jobs.length < this.inThreadBelow) {
      return jobs.map((job) => {
        const r = renderLabel(job.content, job.panel, job.options);
        return { width: r.width, height: r.height, colors: job.panel.colors, planes: r.planes };
      });
    }
    this.ensureWorkers();
    const batches: Promise<PlaneImage[]>[] = [];
    for (let i = 0; i < jobs.length; i += this.batchSize)
      batches.push(this.submit(jobs.slice(i, i + this.batchSize)));
    return (await Promise.all(batches)).flat();
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    this.idle = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private ensureWorkers(): void {
    while (this.workers.length < this.size) {
      const worker = startWorker(WORKER_ENTRY, { execArgv: [] });
      worker.on("message", (reply: WorkerReply) => this.onReply(worker, reply));
      worker.on("error", (err) => this.onFailure(worker, err));
      worker.unref();
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  private submit(jobs: RenderJob[]): Promise<PlaneImage[]> {
    return new Promise((resolve, reject) => {
      const request = { batchId: this.nextBatch++, jobs };
      this.queue.push({ request, pending: { resolve, reject, jobs } });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const next = this.queue.shift()!;
      this.inflight.set(worker, { batchId: next.request.batchId, pending: next.pending });
      // A worker with work in hand keeps the process alive; an idle one does not.
      worker.ref();
      worker.postMessage(next.request);
    }
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const job = this.inflight.get(worker);
    this.inflight.delete(worker);
    worker.unref();
    this.idle.push(worker);
    if (job && job.batchId === reply.batchId) {
      if (reply.ok) {
        job.pending.resolve(
          reply.images.map((img, i) => ({ ...img, colors: job.pending.jobs[i]!.panel.colors })),
        );
      } else {
        job.pending.reject(new Error(`render worker failed: ${reply.error}`));
      }
    }
    this.dispatch();
  }

  private onFailure(worker: Worker, err: Error): void {
    const job = this.inflight.get(worker);
    this.inflight.delete(worker);
    this.workers = this.workers.filter((w) => w !== worker);
    this.idle = this.idle.filter((w) => w !== worker);
    job?.pending.reject(err);
    if (!this.closed && this.queue.length > 0) {
      this.ensureWorkers();
      this.dispatch();
    }
  }
}
