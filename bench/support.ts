import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

/** One row of the benchmark table. `baseline` names the raw path this row is compared against. */
export interface BenchRow {
  name: string;
  ops: number;
  ms: number;
  opsPerSec: number;
  /** Our throughput ÷ the baseline's, when the row has a baseline measured in the same run. */
  ratio?: number;
  note?: string;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export function row(name: string, ops: number, ms: number, extra: Partial<BenchRow> = {}): BenchRow {
  return { name, ops, ms: Math.round(ms * 10) / 10, opsPerSec: Math.round((ops / ms) * 1000), ...extra };
}

export function scratchDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), "shelfsync-bench-"));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Best of n runs: the least disturbed measurement on a shared 2-core machine. */
export async function bestOf<T>(
  n: number,
  fn: () => Promise<{ ms: number; value: T }>,
): Promise<{ ms: number; value: T }> {
  let best: { ms: number; value: T } | undefined;
  for (let i = 0; i < n; i++) {
    const r = await fn();
    if (!best || r.ms < best.ms) best = r;
  }
  return best as { ms: number; value: T };
}

/**
 * Best of n runs of each of two measurements, taken in turns (a, b, a, b, …): on a VM whose speed
 * drifts within seconds, a baseline measured entirely before the path it is compared with can be
 * judged at another speed; in turns both see the same spells.
 */
export async function bestOfAlternating<A, B>(
  n: number,
  a: () => Promise<{ ms: number; value: A }>,
  b: () => Promise<{ ms: number; value: B }>,
): Promise<[{ ms: number; value: A }, { ms: number; value: B }]> {
  let bestA: { ms: number; value: A } | undefined;
  let bestB: { ms: number; value: B } | undefined;
  for (let i = 0; i < n; i++) {
    const ra = await a();
    if (!bestA || ra.ms < bestA.ms) bestA = ra;
    const rb = await b();
    if (!bestB || rb.ms < bestB.ms) bestB = rb;
  }
  return [bestA as { ms: number; value: A }, bestB as { ms: number; value: B }];
}

/** The store configuration every benchmark runs with (the controller's defaults). */
export const BENCH_CONFIG = {
  locale: "de-DE",
  currency: "EUR",
  timeZone: "Europe/Berlin",
  stockLowThreshold: 3,
  omnibus: true,
  omnibusDays: 30,
  omnibusProgressive: true,
  omnibusPerishable: [],
  unitBases: {},
  guardMaxCut: 0.5,
  guardMaxRaise: 0.5,
};

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
      .once("error", () => resolve(false))
      .listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** Two free loopback ports, one after the other, from `first` (an HTTP and an MQTT port for a process). */
export async function freePortPair(first: number): Promise<[number, number]> {
  for (let p = first; p < first + 98; p += 2) {
    if ((await portFree(p)) && (await portFree(p + 1))) return [p, p + 1];
  }
  throw new Error(`no two free ports from ${first}`);
}

/** What /proc/<pid>/status says of a process's memory (MB) and threads: the one reader the benches share. */
export interface ProcMemory {
  /** VmRSS: resident set, the figure the memory bars are about. */
  rssMb: number;
  /** Its split: anonymous (heap, buffers), file-backed (code, mapped files), shared memory. */
  anonMb: number;
  fileMb: number;
  shmemMb: number;
  threads: number;
}

export function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return {
    rssMb: field("VmRSS") / 1024,
    anonMb: field("RssAnon") / 1024,
    fileMb: field("RssFile") / 1024,
    shmemMb: field("RssShmem") / 1024,
    threads: field("Threads"),
  };
}

/** VmRSS of a process, MB. */
export const rssMb = (pid: number): number => procMemory(pid).rssMb;

/** Stop a process the bench started: SIGTERM (a graceful stop is part of what is measured), SIGKILL after 15 s. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}
