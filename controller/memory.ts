import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import { shrinkV8Heap, trimNativeHeap } from "../lib/native-heap.ts";
import {
  bigJobsEnded,
  YOUNG_GENERATION_GROWN_BYTES,
  youngGenerationBytes,
  youngGenerationHeldRoomy,
} from "../lib/young-generation.ts";

/**
 * Giving memory back after a burst of work (issue 13's RSS bars, issue 12's growth over bad input).
 *
 * A full reprice or a links feed allocates a few hundred MB of short-lived objects. V8 collects them,
 * but keeps the pages they lived on: after the 50,000-label reprice the heap had 51 MB live in 238 MB
 * of committed pages, and a plain full collection (what V8 runs by itself, or the inspector's
 * collectGarbage) does not compact them, so the process stayed at ~390 MB. V8's memory reducer
 * compacts only after a long quiet spell and not always. A store box has little memory and the
 * controller is mostly idle between feeds, so once the process has been quiet for half a second after
 * its heap grew, one compacting collection runs (at most every `minGapMs`): measured with
 * `npm run bench -- --only footprint`, RSS with the store loaded fell from 330 to 170 MB and after
 * the full reprice from 387 to 209 MB, each collection 0.2–0.6 s of main-thread time on a loaded
 * machine, spent when nothing else was waiting.
 *
 * "Quiet" is the event loop's utilisation over the last tick (below `busyUtilisation`), so a feed
 * being applied, a reprice in flight or a stream of requests never gets the pause.
 *
 * Memory outside V8 is the other half: glibc keeps what Buffers, HTTP parsing and SQLite freed, and
 * after 11,000 bad requests 24 MB of the process's 56 MB of anonymous memory was such free chunks
 * (issue 12's bar: < 20 MB growth). Once quiet after a burst, and with every release, the C heap is
 * trimmed (lib/native-heap.ts): `npm run bench -- --only robustness` went from +20 / +23 MB to +0.9.
 *
 * A big job lets the young generation grow to 2 × 16 MB (lib/young-generation.ts youngGenerationRoomy);
 * once quiet after it, the release is V8's memory-pressure collection instead (shrinkV8Heap), which
 * compacts as the plain one does and also gives the young generation back to 2 × 1 MB. A big job that
 * ended since the last release is owed one at once, without the minimum gap: the footprint bench saw
 * RSS 393 MB three seconds after a reprice that ended 9 s after the links feed's release (the heap
 * had grown during the reprice, and the gap held its release back until 10 s).
 */
export interface MemoryReleaseOptions {
  /** How often the heap and the event loop are looked at, ms. */
  everyMs?: number;
  /** How long the process must have been quiet, ms. */
  quietMs?: number;
  /** Heap (committed, plus external memory) above what was left after the last release, bytes. */
  growthBytes?: number;
  /** At most one release in this long, ms. */
  minGapMs?: number;
  /** Event loop utilisation (0–1) below which a tick counts as quiet. */
  busyUtilisation?: number;
  /** Called after each release (a log line). */
  onRelease?: (r: MemoryRelease) => void;
  /** For tests: the heap's size, the loop's utilisation since the last call, the release, the time. */
  heapBytes?: () => number;
  utilisation?: () => number;
  release?: () => boolean;
  now?: () => number;
  /** For tests: the C-heap trim (null: not available), RSS and the ArrayBuffers' memory, bytes. */
  trim?: () => boolean | null;
  rssBytes?: () => number;
  arrayBufferBytes?: () => number;
  /** At most one trim in this long, ms. */
  minTrimGapMs?: number;
  /** For tests: the young generation's size, whether a big job holds it roomy, and its shrink. */
  youngBytes?: () => number;
  youngHeld?: () => boolean;
  shrink?: () => boolean;
  /** For tests: big jobs ended so far (lib/young-generation.ts bigJobsEnded). */
  jobsEnded?: () => number;
}

/** Buffers' memory collected since the last trim that makes another one worth it, bytes. */
const TRIM_BUFFERS_FREED_BYTES = 1024 * 1024;
/** RSS grown since the last trim that makes another one worth it, bytes. */
const TRIM_RSS_GROWN_BYTES = 8 * 1024 * 1024;

export interface MemoryRelease {
  beforeBytes: number;
  afterBytes: number;
  ms: number;
}

export interface MemoryReleaser {
  /** One look (the timer calls it; tests call it directly). */
  tick(): void;
  readonly releases: number;
  /** C-heap trims so far (after a release, or on their own after a quiet spell). */
  readonly trims: number;
  stop(): void;
}

/** Committed V8 heap plus memory held for JavaScript objects outside it (Buffers), bytes. */
export function heapBytes(): number {
  const s = v8.getHeapStatistics();
  return s.total_heap_size + s.external_memory;
}

let gcFunction: (() => void) | null | undefined;

/**
 * V8's `gc`, without starting Node with --expose-gc: the flag is set for a moment, a new context
 * made (it gets the function), and the flag unset again. null if the runtime refuses.
 */
function gc(): (() => void) | null {
  if (gcFunction !== undefined) return gcFunction;
  try {
    const existing = (globalThis as { gc?: unknown }).gc;
    if (typeof existing === "function") gcFunction = existing as () => void;
    else {
      v8.setFlagsFromString("--expose-gc");
      const f = vm.runInNewContext("gc") as unknown;
      v8.setFlagsFromString("--no-expose-gc");
      gcFunction = typeof f === "function" ? (f as () => void) : null;
    }
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}

/**
 * One full collection that also compacts the old generation, so pages left with a few survivors
 * are emptied and returned to the system. false when `gc` is not available.
 */
export function compactHeap(): boolean {
  const collect = gc();
  if (!collect) return false;
  v8.setFlagsFromString("--compact-on-every-full-gc");
  try {
    collect();
  } finally {
    v8.setFlagsFromString("--no-compact-on-every-full-gc");
  }
  return true;
}

export function memoryReleaser(o: MemoryReleaseOptions = {}): MemoryReleaser {
  const everyMs = o.everyMs ?? 250;
  const quietMs = o.quietMs ?? 500;
  const growthBytes = o.growthBytes ?? 32 * 1024 * 1024;
  const minGapMs = o.minGapMs ?? 10_000;
  const busy = o.busyUtilisation ?? 0.1;
  const now = o.now ?? (() => performance.now());
  const size = o.heapBytes ?? heapBytes;
  const release = o.release ?? compactHeap;
  const youngBytes = o.youngBytes ?? youngGenerationBytes;
  const youngHeld = o.youngHeld ?? youngGenerationHeldRoomy;
  const shrink = o.shrink ?? shrinkV8Heap;
  const jobsEnded = o.jobsEnded ?? bigJobsEnded;
  /** Big jobs ended as of the last release. */
  let jobsAtRelease = jobsEnded();
  let shrinking = true;
  let last = performance.eventLoopUtilization();
  const utilisation =
    o.utilisation ??
    (() => {
      const current = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(current, last);
      last = current;
      return delta.utilization;
    });

  // What the heap was after the last release; 0 at first, so the start-up's garbage (the modules'
  // set-up allocates ~25 MB, V8 grows its young generation for it) is given back once it is quiet.
  let baseline = 0;
  let lastReleaseAt = Number.NEGATIVE_INFINITY;
  let quietSince: number | null = null;
  let releases = 0;
  let trims = 0;
  let compacting = true;
  let stopped = false;

  // The C heap (see trimNativeHeap): what V8 frees of Buffers, and what HTTP parsing, zlib and SQLite
  // free, goes back to glibc, which keeps it. It is handed back once the process is quiet after
  // anything that may have freed some: a busy spell, Buffers collected since the last trim (a
  // collection V8 ran on its own, when idle, frees them without the loop ever looking busy), or RSS
  // grown. malloc_trim walks the free chunks only: ~1 ms on an idle controller.
  const trim = o.trim ?? trimNativeHeap;
  const rss = o.rssBytes ?? (() => process.memoryUsage.rss());
  const arrayBuffers = o.arrayBufferBytes ?? (() => process.memoryUsage().arrayBuffers);
  const minTrimGapMs = o.minTrimGapMs ?? 1_000;
  let trimming = true;
  let busySinceTrim = true; // the start-up
  let lastTrimAt = Number.NEGATIVE_INFINITY;
  let rssAfterTrim = 0;
  let buffersAfterTrim = 0;
  const trimNow = (t: number) => {
    if (trim() === null) {
      trimming = false; // no addon or not glibc: nothing to do, ever
      return;
    }
    trims++;
    lastTrimAt = t;
    busySinceTrim = false;
    rssAfterTrim = rss();
    buffersAfterTrim = arrayBuffers();
  };

  const tick = () => {
    if (stopped) return;
    const t = now();
    if (utilisation() > busy) {
      quietSince = null;
      busySinceTrim = true;
      return;
    }
    quietSince ??= t;
    if (t - quietSince < quietMs) return;
    const jobEnded = !youngHeld() && jobsEnded() !== jobsAtRelease;
    if (compacting && (t - lastReleaseAt >= minGapMs || jobEnded)) {
      const before = size();
      const youngGrown = shrinking && !youngHeld() && youngBytes() > YOUNG_GENERATION_GROWN_BYTES;
      if (before >= baseline + growthBytes || youngGrown || jobEnded) {
        const started = performance.now();
        let released = false;
        if (youngGrown) {
          released = shrink();
          if (!released) shrinking = false; // no addon for this Node: V8 shrinks it later by itself
        }
        if (released || release()) {
          if (trimming) trimNow(t);
          const after = size();
          releases++;
          jobsAtRelease = jobsEnded();
          lastReleaseAt = now();
          quietSince = null;
          baseline = after;
          o.onRelease?.({ beforeBytes: before, afterBytes: after, ms: performance.now() - started });
          return;
        }
        compacting = false; // no gc in this runtime: nothing to do, ever
      }
    }
    if (!trimming || t - lastTrimAt < minTrimGapMs) return;
    if (
      busySinceTrim ||
      arrayBuffers() <= buffersAfterTrim - TRIM_BUFFERS_FREED_BYTES ||
      rss() >= rssAfterTrim + TRIM_RSS_GROWN_BYTES
    )
      trimNow(t);
  };

  const timer = o.everyMs === 0 ? null : setInterval(tick, everyMs);
  timer?.unref();
  return {
    tick,
    get releases() {
      return releases;
    },
    get trims() {
      return trims;
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}
