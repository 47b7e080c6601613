import v8 from "node:v8";
import { Worker, type WorkerOptions } from "node:worker_threads";

/** Set once youngGenerationSmall() applied (on globalThis: the built bundles split shared modules). */
const APPLIED = Symbol.for("shelfsync.youngGenerationSmall");
type Marked = typeof globalThis & { [APPLIED]?: boolean };

const FLAG = "--semi-space-growth-factor=1";
/** V8's own default: the young generation doubles when a collection finds it busy, up to 2 × 16 MB. */
const ROOMY_FLAG = "--semi-space-growth-factor=2";
// Only where V8 honours it: a newer V8 would silently (or with a warning) put the factor back.
const honoured = () => Number(process.versions.v8.split(".")[0]) < 12;

/**
 * Keep V8's young generation at its initial size (two 1 MB semi-spaces) instead of letting it grow
 * to two 16 MB ones: the same as `node --max-semi-space-size=1`, but set from inside, so every way
 * of starting the controller (npm start, the container, the systemd unit, node by hand) gets it.
 * Measured with `npm run bench -- --only footprint` (docs/benchmarks.md, "Memory settings"): idle RSS
 * 6 MB lower and the loaded store's ~25 MB lower; the full reprice's controller CPU was within the
 * run-to-run spread of the default (7.2–8.9 s under load either way). A young generation that
 * grows is a throughput setting; this controller spends most of its life idle on a small box.
 *
 * V8 reads the growth factor each time it considers growing the young generation, so setting it
 * before the first allocations of the modules is enough (--max-semi-space-size itself is read only
 * when the heap is created, i.e. on the command line). From V8 12.4 (Node 22) on, V8 holds the
 * factor at 2 or more and this does nothing. The command line must not say
 * `--max-semi-space-size=1` instead: that also caps the growth a big job needs (youngGenerationRoomy),
 * measured with the footprint bench as a 7 s reprice instead of 4.5 s on Node 20, and 425 MB resident
 * after it instead of 172 MB on Node 26; so the container and the systemd unit start plain `node`.
 */
export function youngGenerationSmall(): void {
  if (!honoured()) return;
  v8.setFlagsFromString(FLAG);
  (globalThis as Marked)[APPLIED] = true;
}

/**
 * Call for every worker thread the process starts. V8 puts the process-wide growth factor back to 2
 * whenever it configures a new heap, a worker thread's included, so each worker would otherwise undo
 * youngGenerationSmall() for the main thread: its young generation then grows to 2 × 16 MB at the
 * next busy spell (seen with --trace-gc in the refresh-offload trial, docs/benchmarks.md). Setting
 * the factor again once the worker runs keeps it; nothing happens where it was never set.
 */
export function keepYoungGenerationSmall(worker: Worker): void {
  if ((globalThis as Marked)[APPLIED] !== true) return;
  worker.once("online", () => v8.setFlagsFromString(roomyJobs > 0 ? ROOMY_FLAG : FLAG));
}

/** Big jobs running that let the young generation grow (youngGenerationRoomy). */
let roomyJobs = 0;
/** Big jobs ended so far (the memory releaser gives their memory back at once, see bigJobsEnded). */
let jobsEnded = 0;

/**
 * Let the young generation grow for one big job (a refresh of many labels), as V8 does by default;
 * returns the function that ends it (call it once the job is done, also when it failed).
 *
 * Why: with 2 × 1 MB semi-spaces a 50,000-label reprice runs a scavenge every few ms, and everything a
 * chunk holds while it is computed (its catalogue snapshot, 2,000 contents) has survived two of them
 * and is promoted: ~300 MB promoted and ~1.2 s of scavenge pauses on the main thread in a 5 s reprice
 * (`--trace-gc`, docs/benchmarks.md). With room to grow, a chunk's garbage dies young. The room is
 * given back after the job: the factor goes back to 1 at once, and the memory releaser
 * (controller/memory.ts) shrinks the young generation at the first quiet moment (shrinkV8Heap in
 * lib/native-heap.ts); without that addon, V8 does it itself after ~8 s of low allocation. Jobs are
 * counted wherever the factor is not honoured too: the releaser gives a big job's memory back at once.
 */
export function youngGenerationRoomy(): () => void {
  const applied = (globalThis as Marked)[APPLIED] === true;
  if (roomyJobs++ === 0 && applied) v8.setFlagsFromString(ROOMY_FLAG);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    jobsEnded++;
    if (--roomyJobs === 0 && applied) v8.setFlagsFromString(FLAG);
  };
}

/** Whether a big job holds the young generation roomy now (the memory releaser leaves it then). */
export const youngGenerationHeldRoomy = (): boolean => roomyJobs > 0;

/** How many big jobs have ended so far: one that ended since the releaser's last release is owed one. */
export const bigJobsEnded = (): number => jobsEnded;

/** The young generation's size now (both semi-spaces), bytes. */
export function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Above this the young generation has grown (a big job, or V8's default growth where the factor is
 * not honoured) and is worth shrinking once the process is quiet: its initial size is 2 × 1 MB.
 */
export const YOUNG_GENERATION_GROWN_BYTES = 4 * 1024 * 1024;

/**
 * Start a worker thread of the controller's: `new Worker` with keepYoungGenerationSmall applied, so
 * no pool (render, TSV checks, the content session) can forget it.
 */
export function startWorker(entry: URL, options: WorkerOptions): Worker {
  const worker = new Worker(entry, options);
  keepYoungGenerationSmall(worker);
  return worker;
}
