import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";

/**
 * How fast this machine is right now, printed beside the figures: on a shared VM the same build's
 * reprice took 3.5 s at one hour and 5.4 s at the next, with its main thread's CPU time 3.0 s and
 * 4.9 s for the same work, and the disk's fsync p99 went from a few ms to ~50 ms. A figure is only
 * comparable with another taken at a similar calibration.
 */
export interface MachineState {
  /** A fixed single-thread workload (hashing, JSON, sorting), best of three, ms. */
  calibrationMs: number;
  /** 4 KB written and fsynced 100 times in `dir`: median and 99th percentile, ms. */
  fsyncP50Ms: number;
  fsyncP99Ms: number;
  loadAverage: string;
}

function workload(): number {
  let checksum = 0;
  const text = JSON.stringify({
    sku: "SKU000123",
    name: "Käse Gouda mittelalt 400 g",
    price: "1,99 €",
    n: 0,
  });
  for (let i = 0; i < 20_000; i++) {
    const json = JSON.stringify({ text, i, tags: ["a", "b", "c"] });
    checksum += (JSON.parse(json) as { i: number }).i;
    checksum += createHash("sha256").update(json).digest()[0] as number;
  }
  const numbers = Array.from({ length: 200_000 }, (_, i) => (i * 7_919) % 100_003);
  numbers.sort((a, b) => a - b);
  return checksum + (numbers[1_000] as number);
}

function calibrate(): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    workload();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

function fsyncLatency(dir: string): { p50: number; p99: number } {
  const file = join(dir, `fsync-probe-${process.pid}.tmp`);
  const fd = openSync(file, "w");
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      writeSync(fd, block);
      const t = performance.now();
      fsyncSync(fd);
      times.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return { p50: times[49] as number, p99: times[98] as number };
}

export function machineState(dir: string): MachineState {
  const calibrationMs = calibrate();
  const fsync = fsyncLatency(dir);
  return {
    calibrationMs,
    fsyncP50Ms: fsync.p50,
    fsyncP99Ms: fsync.p99,
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
  };
}

export function describeMachine(m: MachineState): string {
  return `CPU calibration ${m.calibrationMs.toFixed(0)} ms (best of 3; lower is faster), fsync of 4 KB p50 ${m.fsyncP50Ms.toFixed(1)} / p99 ${m.fsyncP99Ms.toFixed(1)} ms (100 calls), load average ${m.loadAverage} on ${cpus().length} cores`;
}
