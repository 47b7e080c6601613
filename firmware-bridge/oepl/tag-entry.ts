import { PROTOCOL_VERSION } from "../../schemas/common.ts";
import type { LabelContent, LabelDescriptor, LabelState } from "../../schemas/mqtt.ts";
import type { OeplApplyOutcome, OeplPanel } from "./adapter-types.ts";
import type { OeplTag } from "./ap-client.ts";
import type { ApHandle } from "./ap-fleet.ts";
import { type BatteryChemistry, batteryPercent } from "./battery.ts";
import type { Flight } from "./flight.ts";
import { hwTypeHex, modelName, type OeplHwType } from "./hwtypes.ts";
import type { RgbaImage } from "./jpeg.ts";

/** What we know the tag shows: our content (`contentHash`, or null for our blank) and the AP's hash then. */
export interface Displayed {
  contentHash: string | null;
  version?: number;
  apHash: string;
}

/** Everything the tag sync keeps about one tag. */
export interface TagEntry {
  labelId: string;
  ap: ApHandle;
  tag: OeplTag;
  hw?: OeplHwType;
  /** undefined: nothing received yet; null: cleared. */
  desired?: LabelContent | null;
  /** undefined: unknown (e.g. after a restart); null: known not to be ours. */
  displayed?: Displayed | null;
  flight?: Flight;
  working: boolean;
  kick?: ReturnType<typeof setTimeout>;
  attempts: number;
  retryAt: number;
  commandHashes: string[];
  /** LED commands sent to the AP for this tag, ever. */
  commandsSent: number;
  lastReportKey?: string;
  lastReportAt: number;
  lastReportTs?: number;
  hwWarned: boolean;
  /** Sequence number of the request the current `tag` came from; older answers are ignored. */
  seenSeq: number;
  /** submitContent calls waiting for their content (by target) to be queued or shown. */
  waiters: Array<{ target: string | null; resolve: (outcome: OeplApplyOutcome) => void }>;
}

export function newTagEntry(labelId: string, ap: ApHandle, tag: OeplTag, seq: number): TagEntry {
  return {
    labelId,
    ap,
    tag,
    working: false,
    attempts: 0,
    retryAt: 0,
    commandHashes: [],
    commandsSent: 0,
    lastReportAt: Number.NEGATIVE_INFINITY,
    hwWarned: false,
    seenSeq: seq,
    waiters: [],
  };
}

/** What an upload of this content aims at: its hash, or null for our blank. */
export function targetOf(content: LabelContent | null): string | null {
  return content ? content.contentHash : null;
}

/** The tag's state report: what we confirmed it shows, its battery and signal as the AP last saw them. */
export function tagState(entry: TagEntry, chemistry: BatteryChemistry, now: number): LabelState {
  const tag = entry.tag;
  const battery = batteryPercent(tag.batteryMv, chemistry);
  const seen = tag.lastseen > 0;
  return {
    v: PROTOCOL_VERSION,
    displayedHash: entry.displayed?.contentHash ?? null,
    ...(entry.displayed?.version !== undefined ? { version: entry.displayed.version } : {}),
    ...(battery !== undefined ? { battery } : {}),
    ...(seen ? { rssi: Math.max(-150, Math.min(20, tag.RSSI)) } : {}),
    ts: seen ? tag.lastseen * 1000 : now,
  };
}

/** The tag as a label of the inventory; without a known hardware type, a model name only. */
export function tagDescriptor(entry: TagEntry): LabelDescriptor {
  if (!entry.hw) return { labelId: entry.labelId, model: `OEPL hwType 0x${hwTypeHex(entry.tag.hwType)}` };
  return {
    labelId: entry.labelId,
    model: modelName(entry.hw),
    width: entry.hw.width,
    height: entry.hw.height,
    colors: entry.hw.colors,
  };
}

export function panelOf(hw: OeplHwType): OeplPanel {
  return {
    hwType: hw.hwType,
    model: modelName(hw),
    width: hw.width,
    height: hw.height,
    colors: hw.colors,
    rotatebuffer: hw.rotatebuffer,
    bpp: hw.bpp,
  };
}

/** A white panel: what a cleared (unlinked) label shows rather than a stale price. */
export function blankImage(panel: OeplPanel): RgbaImage {
  return {
    data: new Uint8Array(panel.width * panel.height * 4).fill(255),
    width: panel.width,
    height: panel.height,
  };
}
