import type { ColorMode } from "../../schemas/common.ts";
import type { LabelContent, LabelDescriptor, LabelState } from "../../schemas/mqtt.ts";
import type { OeplApClient, OeplApClientOptions } from "./ap-client.ts";
import type { BatteryChemistry } from "./battery.ts";
import { DEFAULT_JPEG_QUALITY, type RgbaImage } from "./jpeg.ts";
import type { OeplLogger } from "./logger.ts";

/** What the OEPL tag sync (adapter.ts) is given and what it answers. */

/** The panel a render call must fill: width × height exactly, in the AP's (landscape) orientation. */
export interface OeplPanel {
  hwType: number;
  model: string;
  width: number;
  height: number;
  colors: ColorMode;
  rotatebuffer: number;
  bpp: number;
}

export type OeplRender = (content: LabelContent, panel: OeplPanel) => RgbaImage | Promise<RgbaImage>;

export interface OeplAdapterHost {
  /** A label's state changed (or a heartbeat is due): publish it on `label/{labelId}/state`. */
  reportState(labelId: string, state: LabelState): void;
  /** The set of tags, or what is known of one, changed: the full list, for `bridge/{id}/labels`. */
  labelsChanged(labels: LabelDescriptor[]): void;
}

export type OeplCommandResult =
  | { ok: true; pattern: string; approxDurationMs: number }
  | { ok: false; reason: "unknown-label" | "no-led" | "unsupported-command" | "ap-error"; message: string };

/**
 * How {@link OeplAdapter.submitContent} ends: `shown` once `/get_db` shows it on the tag, `queued` once
 * the AP has it queued for a tag that has not fetched it yet (a sleeping tag may take minutes; the
 * state report follows on delivery), or a failure the caller may retry.
 */
export type OeplApplyOutcome =
  | { ok: true; state: "shown" | "queued" }
  | { ok: false; reason: string; retry: boolean; retryAfterMs?: number };

export interface OeplAdapterStats {
  uploads: number;
  confirmed: number;
  identical: number;
  failed: number;
  superseded: number;
}

export interface OeplAdapterOptions {
  /** AP base URLs (e.g. `http://192.168.1.40`) or ready clients. */
  aps: Array<string | OeplApClient>;
  render: OeplRender;
  host: OeplAdapterHost;
  logger?: OeplLogger;
  /** Full `/get_db` walk of every AP. */
  pollIntervalMs?: number;
  /** How often tags with an unconfirmed upload are looked at (and retries considered). */
  flightPollMs?: number;
  /** Content for a tag waits this long for a newer version before it is rendered. */
  coalesceMs?: number;
  /** The upload must show in `/get_db` (modecfgjson) and be processed by the AP within this. */
  acceptTimeoutMs?: number;
  /** Once queued, the tag must fetch it within this, unless it is asleep or offline. */
  confirmTimeoutMs?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Uploads in progress per AP at once: the AP is one small ESP32. */
  maxConcurrentUploadsPerAp?: number;
  /** Above this many unconfirmed tags on one AP, look at them with one `/get_db` walk instead. */
  maxSingleTagPolls?: number;
  /** Dither the AP applies: 0 by default, our pixels are already panel colours. */
  dither?: 0 | 1 | 2;
  jpegQuality?: number;
  battery?: { chemistry?: BatteryChemistry; byHwType?: Record<number, BatteryChemistry> };
  /** Re-report unchanged state this often when the tag keeps checking in. */
  stateHeartbeatMs?: number;
  /** How often the AP's saved DB is read for tags beyond `/get_db` paging (over 255 tags). */
  savedDbRefreshMs?: number;
  /** On `applyContent(id, null)` draw a blank panel (default) rather than leave a stale price up. */
  blankOnClear?: boolean;
  clientOptions?: Omit<OeplApClientOptions, "baseUrl">;
  now?: () => number;
}

/** The tunables with their defaults filled in. */
export type OeplTunables = Required<
  Omit<OeplAdapterOptions, "aps" | "render" | "host" | "logger" | "battery" | "clientOptions" | "now">
>;

export function tunables(options: OeplAdapterOptions): OeplTunables {
  return {
    pollIntervalMs: options.pollIntervalMs ?? 10_000,
    flightPollMs: options.flightPollMs ?? 2_000,
    coalesceMs: options.coalesceMs ?? 250,
    acceptTimeoutMs: options.acceptTimeoutMs ?? 30_000,
    confirmTimeoutMs: options.confirmTimeoutMs ?? 10 * 60_000,
    retryInitialMs: options.retryInitialMs ?? 5_000,
    retryMaxMs: options.retryMaxMs ?? 5 * 60_000,
    maxConcurrentUploadsPerAp: options.maxConcurrentUploadsPerAp ?? 1,
    maxSingleTagPolls: options.maxSingleTagPolls ?? 10,
    dither: options.dither ?? 0,
    jpegQuality: options.jpegQuality ?? DEFAULT_JPEG_QUALITY,
    stateHeartbeatMs: options.stateHeartbeatMs ?? 5 * 60_000,
    savedDbRefreshMs: options.savedDbRefreshMs ?? 5 * 60_000,
    blankOnClear: options.blankOnClear ?? true,
  };
}
