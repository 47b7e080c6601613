import type { LabelCommand, LabelContent, LabelDescriptor } from "../../schemas/index.ts";
import type { ApplyResult, BridgeAdapter, BridgeContext } from "../core/index.ts";
import { CheckInRing } from "./check-in.ts";
import { panelFor } from "./models.ts";
import { type SimulatedFleetOptions, simulatedFleetSchema } from "./options.ts";
import { seededRandom } from "./random.ts";

export interface FlashRecord {
  labelId: string;
  commandId: string;
  color: string;
  pattern: string;
  seconds: number;
  /** Unix ms when the label received it. */
  at: number;
}

export interface SimulatedStats {
  labels: number;
  /** Images the labels acknowledged. */
  applies: number;
  /** Applies the labels did not acknowledge (each is retried by the runtime). */
  failures: number;
  /** Content the label already showed: answered with a state report, nothing sent over the air. */
  unchanged: number;
  /** Radio transfers under way now. */
  inFlight: number;
  checkIns: number;
  flashes: number;
  pageChanges: number;
}

export interface SimulatedAdapter extends BridgeAdapter {
  readonly bridgeId: string;
  readonly labelIds: readonly string[];
  /** `contentHash` the label shows; null if nothing yet; undefined for a label this AP does not have. */
  displayedHash(labelId: string): string | null | undefined;
  /** Page the label shows (0 until a `page` command). */
  page(labelId: string): number | undefined;
  /** Flash commands received, oldest first (the last 1,000). */
  readonly flashes: readonly FlashRecord[];
  readonly stats: SimulatedStats;
  /** Change the share of unacknowledged applies at run time (0…1). */
  setFailureRate(rate: number): void;
}

interface VirtualLabel {
  readonly descriptor: LabelDescriptor;
  battery: number;
  readonly rssiBase: number;
  displayedHash: string | null;
  version: number | undefined;
  page: number;
}

interface RadioTransfer {
  timer: NodeJS.Timeout;
  settle: (completed: boolean) => void;
}

const MAX_FLASH_RECORDS = 1_000;
/** Percent of charge a check-in and a screen refresh cost: enough to see a fleet age during a long demo. */
const DRAIN_PER_CHECK_IN = 0.01;
const DRAIN_PER_REFRESH = 0.05;

export function simulatedLabelId(bridgeId: string, n: number): string {
  return `${bridgeId}-${String(n).padStart(5, "0")}`;
}

/**
 * A virtual access point with a fleet of labels: radio delay with jitter, unacknowledged transfers
 * at a given rate, draining batteries, noisy signal, and periodic check-ins from one shared timer.
 */
export function createSimulatedAdapter(options: SimulatedFleetOptions): SimulatedAdapter {
  const config = simulatedFleetSchema.parse(options);
  const random = seededRandom(config.seed ?? Math.floor(Math.random() * 2 ** 32));
  const jitterMs = config.radioJitterMs ?? config.radioDelayMs / 4;
  let failureRate = config.failureRate;

  const fleet: VirtualLabel[] = [];
  const byId = new Map<string, VirtualLabel>();
  for (let n = 1; n <= config.labels; n++) {
    const panel = panelFor(n);
    const label: VirtualLabel = {
      descriptor: { labelId: simulatedLabelId(config.bridgeId, n), ...panel },
      battery: 55 + random() * 45,
      rssiBase: -85 + random() * 40,
      displayedHash: null,
      version: undefined,
      page: 0,
    };
    fleet.push(label);
    byId.set(label.descriptor.labelId, label);
  }
  const descriptors: readonly LabelDescriptor[] = fleet.map((l) => l.descriptor);
  const labelIds: readonly string[] = descriptors.map((d) => d.labelId);

  const stats = { applies: 0, failures: 0, unchanged: 0, checkIns: 0, flashes: 0, pageChanges: 0 };
  const flashes: FlashRecord[] = [];
  const transfers = new Set<RadioTransfer>();
  let context: BridgeContext | undefined;
  let stopped = false;

  const report = (label: VirtualLabel) => {
    // Three uniforms summed: a cheap bell-shaped noise of about ±6 dBm.
    const noise = (random() + random() + random() - 1.5) * 4;
    const rssi = Math.round(Math.min(-20, Math.max(-110, label.rssiBase + noise)));
    context?.reportState(label.descriptor.labelId, {
      displayedHash: label.displayedHash,
      ...(label.version === undefined ? {} : { version: label.version }),
      battery: Math.round(label.battery * 10) / 10,
      rssi,
    });
  };

  const drain = (label: VirtualLabel, percent: number) => {
    label.battery = Math.max(0, label.battery - percent);
  };

  /** Resolves true once the image is over the air, false if the AP stopped meanwhile. */
  const overTheAir = (): Promise<boolean> =>
    new Promise((resolve) => {
      const delay = Math.max(0, config.radioDelayMs + (random() * 2 - 1) * jitterMs);
      const transfer: RadioTransfer = {
        timer: setTimeout(() => transfer.settle(true), delay),
        settle: (completed) => {
          clearTimeout(transfer.timer);
          transfers.delete(transfer);
          resolve(completed);
        },
      };
      transfers.add(transfer);
    });

  const ring = new CheckInRing({
    intervalMs: config.checkInSeconds * 1_000,
    count: () => fleet.length,
    onCheckIn: (index) => {
      const label = fleet[index];
      if (!label || stopped) return;
      stats.checkIns++;
      drain(label, DRAIN_PER_CHECK_IN);
      report(label);
    },
  });

  return {
    kind: "simulated",
    bridgeId: config.bridgeId,
    maxConcurrentApplies: config.maxConcurrentApplies,
    labelIds,

    start(ctx) {
      context = ctx;
      // Every label announces itself at power-up, before anything was drawn on it.
      for (const label of fleet) report(label);
      ring.start();
    },

    labels: () => descriptors,

    async applyContent(labelId: string, content: LabelContent | null): Promise<ApplyResult> {
      const label = byId.get(labelId);
      if (!label) return { ok: false, reason: `no label ${labelId} on this access point`, retry: false };
      const hash = content?.contentHash ?? null;
      if (label.displayedHash === hash) {
        // Same picture (the hash ignores the version): nothing to send, but say what is shown.
        stats.unchanged++;
        label.version = content?.version;
        report(label);
        return { ok: true };
      }
      const completed = await overTheAir();
      if (!completed || stopped) return { ok: false, reason: "access point stopped", retry: false };
      drain(label, DRAIN_PER_REFRESH);
      if (random() < failureRate) {
        stats.failures++;
        return { ok: false, reason: "label did not acknowledge the image (simulated radio loss)" };
      }
      stats.applies++;
      label.displayedHash = hash;
      label.version = content?.version;
      report(label);
      return { ok: true };
    },

    command(labelId: string, command: LabelCommand) {
      const label = byId.get(labelId);
      if (!label) throw new Error(`no label ${labelId} on this access point`);
      if (command.command === "flash") {
        stats.flashes++;
        flashes.push({
          labelId,
          commandId: command.commandId,
          color: command.color,
          pattern: command.pattern,
          seconds: command.seconds,
          at: Date.now(),
        });
        if (flashes.length > MAX_FLASH_RECORDS) flashes.splice(0, flashes.length - MAX_FLASH_RECORDS);
        context?.logger.info("flash", { labelId, color: command.color, pattern: command.pattern });
      } else {
        stats.pageChanges++;
        label.page = command.page;
      }
    },

    stop() {
      stopped = true;
      ring.stop();
      for (const transfer of [...transfers]) transfer.settle(false);
    },

    displayedHash: (labelId) => byId.get(labelId)?.displayedHash,
    page: (labelId) => byId.get(labelId)?.page,
    get flashes() {
      return flashes;
    },
    get stats(): SimulatedStats {
      return { labels: fleet.length, inFlight: transfers.size, ...stats };
    },
    setFailureRate(rate: number) {
      if (!(rate >= 0 && rate <= 1))
        throw new RangeError(`failure rate must be between 0 and 1, got ${rate}`);
      failureRate = rate;
    },
  };
}
