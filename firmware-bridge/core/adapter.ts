import type { LabelCommand, LabelContent, LabelDescriptor, LabelImage } from "../../schemas/index.ts";
import type { Logger } from "./logger.ts";

/** What an adapter says about a label; the runtime adds `v` (and `ts` when missing) and publishes it. */
export interface LabelStateReport {
  /** `contentHash` of what the panel shows now; null when it never showed anything of ours. */
  displayedHash: string | null;
  /** `version` of the content shown, when known. */
  version?: number;
  /** Battery charge, percent. */
  battery?: number;
  /** Signal strength at the access point, dBm. */
  rssi?: number;
  /** When it was observed, unix ms or ISO 8601; now unless told. */
  ts?: number | string;
}

/**
 * The outcome of one attempt to bring content onto a label. A failure is retried by the runtime after
 * a backoff (or after `retryAfterMs`, e.g. the label's next check-in) unless `retry` is false, which
 * is for failures no retry can fix (the device does not know the label, the content cannot be drawn).
 */
export type ApplyResult =
  | { ok: true }
  | { ok: false; reason: string; retry?: boolean; retryAfterMs?: number };

/** Handed to an adapter at start: the adapter's only way to talk back to the runtime. */
export interface BridgeContext {
  readonly storeId: string;
  readonly bridgeId: string;
  readonly logger: Logger;
  /** Publish a label's state (QoS 1, not retained). Held (latest per label) while the broker is away. */
  reportState(labelId: string, report: LabelStateReport): void;
  /** Call when `labels()` would now answer differently: the runtime republishes the inventory. */
  labelsChanged(): void;
  /**
   * Publish a rendered image on `…/label/{labelId}/image` (retained, QoS 1; null clears it), for
   * labels that want pixels. Resolves when the broker has it; rejects for an invalid image.
   */
  publishImage(labelId: string, image: LabelImage | null): Promise<void>;
}

/**
 * A device family behind the canonical protocol (simulated AP, OpenEPaperLink AP, native JSON labels…).
 * The runtime owns MQTT, validation, routing, coalescing and retries; an adapter only talks to devices.
 */
export interface BridgeAdapter {
  /** Shown in the inventory's `kind` (e.g. "simulated", "oepl"). */
  readonly kind: string;
  /**
   * At most this many `applyContent` calls run at once across all labels (a real AP has one radio
   * and a small HTTP server). Unlimited when absent.
   */
  readonly maxConcurrentApplies?: number;
  start(context: BridgeContext): Promise<void> | void;
  /** Every label this bridge serves now. Called often: return a cached array. */
  labels(): readonly LabelDescriptor[];
  /**
   * Bring `content` onto the label (null: content cleared, show the blank/unlinked screen). Resolve
   * once the device confirmed it, and report the new state through the context. Never called twice
   * at once for one label, and may receive what the label already shows (retained content comes again
   * after every reconnect): answer that quickly, with a state report.
   */
  applyContent(labelId: string, content: LabelContent | null): Promise<ApplyResult>;
  /** A validated command for one of this bridge's labels. Not coalesced, not retried. */
  command(labelId: string, command: LabelCommand): Promise<void> | void;
  /** Stop all device work; pending applies should settle (a failure with `retry: false` is fine). */
  stop(): Promise<void> | void;
}
