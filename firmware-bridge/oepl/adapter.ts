import { type ColorMode, PROTOCOL_VERSION } from "../../schemas/common.ts";
import type { LabelCommand, LabelContent, LabelDescriptor, LabelState } from "../../schemas/mqtt.ts";
import { backoffDelay } from "../core/backoff.ts";
import {
  CAPABILITY_LED,
  OEPL_NEVER,
  OEPL_ZERO_HASH,
  OeplApClient,
  type OeplApClientOptions,
  type OeplTag,
  WAKEUP_FIRST_BOOT,
} from "./ap-client.ts";
import { type BatteryChemistry, batteryPercent } from "./battery.ts";
import { HwTypeRegistry, hwTypeHex, modelName, type OeplHwType } from "./hwtypes.ts";
import { DEFAULT_JPEG_QUALITY, encodePanelJpeg, type RgbaImage } from "./jpeg.ts";
import { decodeLedFlash, ledDurationMs, ledFlashForCommand, ledPatternHex } from "./led.ts";
import { type OeplLogger, silentOeplLogger } from "./logger.ts";
import { isOeplLabelId } from "./mac.ts";

/**
 * Tag sync for OpenEPaperLink access points, independent of MQTT. The bridge runtime
 * (firmware-bridge/core) drives it through four calls and two callbacks:
 *
 *   runtime → adapter   start(), stop(), applyContent(labelId, content | null), command(labelId, cmd)
 *   adapter → runtime   host.labelsChanged(descriptors)   publish the inventory (bridge/{id}/labels)
 *                       host.reportState(labelId, state)  publish label/{labelId}/state
 *
 * What it promises: `displayedHash` is reported only once `/get_db` shows the upload on the tag
 * (see {@link OeplAdapter} and docs/oepl.md), never on the strength of an HTTP 200.
 */

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

interface ApHandle {
  client: OeplApClient;
  activeUploads: number;
  savedMacs: string[];
  savedMacsAt: number;
}

/** What we know the tag shows: our content (`contentHash`, or null for our blank) and the AP's hash then. */
interface Displayed {
  contentHash: string | null;
  version?: number;
  apHash: string;
}

interface Flight {
  target: string | null;
  version?: number;
  baseline: OeplTag;
  uploadedAt: number;
  acceptBy: number;
  confirmBy: number;
  landed: boolean;
  processed: boolean;
  sawPending: boolean;
  /** `TagEntry.commandsSent` when the baseline was taken: LED flashes count in `updatecount` too. */
  commandsAtBaseline: number;
  offlineLogged: boolean;
}

interface TagEntry {
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

export interface OeplAdapterStats {
  uploads: number;
  confirmed: number;
  identical: number;
  failed: number;
  superseded: number;
}

const FLASH_HASH_SUFFIX = "0".repeat(16);
/** The AP's own rule (tag_db.cpp getTagCount): 10 minutes past the expected check-in is a timeout. */
const OFFLINE_GRACE_S = 600;

function fileOf(modecfgjson: string): string | undefined {
  try {
    const doc = JSON.parse(modecfgjson) as { filename?: unknown };
    return typeof doc.filename === "string" ? doc.filename : undefined;
  } catch {
    return /"filename"\s*:\s*"([^"]*)"/.exec(modecfgjson)?.[1];
  }
}

function targetOf(content: LabelContent | null): string | null {
  return content ? content.contentHash : null;
}

export class OeplAdapter {
  private readonly aps: ApHandle[];
  private readonly entries = new Map<string, TagEntry>();
  /** Content for labels not (yet) seen on any AP. */
  private readonly waiting = new Map<string, LabelContent | null>();
  private readonly registry: HwTypeRegistry;
  private readonly logger: OeplLogger;
  private readonly now: () => number;
  private readonly o: Required<
    Omit<OeplAdapterOptions, "aps" | "render" | "host" | "logger" | "battery" | "clientOptions" | "now">
  >;
  private readonly battery: { chemistry: BatteryChemistry; byHwType: Record<number, BatteryChemistry> };
  private lastLabelsKey?: string;
  private fetchSeq = 0;
  private pollTimer?: ReturnType<typeof setTimeout>;
  private flightTimer?: ReturnType<typeof setTimeout>;
  private stopped = true;
  private readonly running = new Set<Promise<unknown>>();
  private readonly counters: OeplAdapterStats = {
    uploads: 0,
    confirmed: 0,
    identical: 0,
    failed: 0,
    superseded: 0,
  };

  constructor(private readonly options: OeplAdapterOptions) {
    this.logger = options.logger ?? silentOeplLogger;
    this.now = options.now ?? Date.now;
    this.aps = options.aps.map((ap) => ({
      client:
        typeof ap === "string"
          ? new OeplApClient({ ...options.clientOptions, baseUrl: ap, logger: this.logger })
          : ap,
      activeUploads: 0,
      savedMacs: [],
      savedMacsAt: Number.NEGATIVE_INFINITY,
    }));
    this.o = {
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
    this.battery = {
      chemistry: options.battery?.chemistry ?? "coin",
      byHwType: options.battery?.byHwType ?? {},
    };
    this.registry = new HwTypeRegistry({ now: this.now });
  }

  // ── runtime-facing API ────────────────────────────────────────────────────────────────────────

  /** First poll (so the inventory is known), then the poll loops. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.track(this.pollAll());
    this.loopPoll();
    this.loopFlights();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.flightTimer);
    for (const entry of this.entries.values()) {
      clearTimeout(entry.kick);
      this.settle(entry, () => true, { ok: false, reason: "the OEPL adapter stopped", retry: false });
    }
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Every tag currently listed by an AP, as label descriptors. */
  labels(): LabelDescriptor[] {
    return [...this.entries.values()]
      .map((entry) => this.describe(entry))
      .sort((a, b) => a.labelId.localeCompare(b.labelId));
  }

  stats(): OeplAdapterStats {
    return { ...this.counters };
  }

  /** New content for a label (`null`: retained content removed). Only the newest per tag is drawn. */
  applyContent(labelId: string, content: LabelContent | null): void {
    if (!isOeplLabelId(labelId)) {
      this.logger.debug("oepl: ignoring content for a label id that is not an OEPL MAC", { labelId });
      return;
    }
    const entry = this.entries.get(labelId);
    if (!entry) {
      this.waiting.set(labelId, content);
      return;
    }
    const sameTarget = entry.desired !== undefined && targetOf(entry.desired) === targetOf(content);
    entry.desired = content;
    if (!sameTarget) {
      // New content starts afresh; the same content again (a runtime retry) keeps the backoff.
      entry.attempts = 0;
      entry.retryAt = 0;
      this.settle(entry, (target) => target !== targetOf(content), {
        ok: false,
        reason: "superseded by newer content",
        retry: false,
      });
    }
    clearTimeout(entry.kick);
    entry.kick = setTimeout(() => {
      entry.kick = undefined;
      this.reconsider(entry);
    }, this.o.coalesceMs);
  }

  /**
   * {@link applyContent}, resolving once the AP has taken the content: queued for the tag, or shown
   * (identical or delivered). Failures resolve too, with whether a retry can help; the adapter keeps
   * trying on its own either way, so a retry with the same content only waits again.
   */
  submitContent(labelId: string, content: LabelContent | null): Promise<OeplApplyOutcome> {
    if (this.stopped)
      return Promise.resolve({ ok: false, reason: "the OEPL adapter is stopped", retry: false });
    if (!isOeplLabelId(labelId)) {
      return Promise.resolve({ ok: false, reason: `${labelId} is not an OEPL MAC`, retry: false });
    }
    this.applyContent(labelId, content);
    const entry = this.entries.get(labelId);
    if (!entry) {
      // Kept: drawn as soon as an AP lists the tag.
      return Promise.resolve({ ok: false, reason: "no AP lists this tag (yet)", retry: false });
    }
    const target = targetOf(content);
    if (!entry.flight && !entry.working && entry.displayed && entry.displayed.contentHash === target) {
      this.report(entry, true);
      return Promise.resolve({ ok: true, state: "shown" });
    }
    if (content === null && !this.o.blankOnClear) return Promise.resolve({ ok: true, state: "shown" });
    if (!entry.hw) {
      return Promise.resolve({
        ok: false,
        reason: `hardware type 0x${hwTypeHex(entry.tag.hwType)} is unknown to the AP`,
        retry: false,
      });
    }
    return new Promise((resolve) => entry.waiters.push({ target, resolve }));
  }

  async command(labelId: string, cmd: LabelCommand): Promise<OeplCommandResult> {
    if (cmd.command !== "flash") {
      return {
        ok: false,
        reason: "unsupported-command",
        message: `OpenEPaperLink tags have no "${cmd.command}"`,
      };
    }
    const entry = this.entries.get(labelId);
    if (!entry) return { ok: false, reason: "unknown-label", message: `no OEPL tag ${labelId} on any AP` };
    if ((entry.tag.capabilities & CAPABILITY_LED) === 0) {
      return {
        ok: false,
        reason: "no-led",
        message: `tag ${labelId} cannot flash: it reports no LED (capabilities 0x${entry.tag.capabilities.toString(16).padStart(2, "0")})`,
      };
    }
    const pattern = ledFlashForCommand(cmd);
    // Counted before the request so an upload baseline taken meanwhile cannot miss it.
    entry.commandsSent++;
    try {
      await entry.ap.client.ledFlash(entry.tag.mac, pattern);
    } catch (error) {
      entry.commandsSent--;
      return { ok: false, reason: "ap-error", message: (error as Error).message };
    }
    // Delivered, the command sets the tag's hash to the pattern's first 8 bytes and counts an update.
    entry.commandHashes = [
      ...entry.commandHashes.slice(-15),
      ledPatternHex(pattern.subarray(0, 8)) + FLASH_HASH_SUFFIX,
    ];
    return {
      ok: true,
      pattern: ledPatternHex(pattern),
      approxDurationMs: ledDurationMs(decodeLedFlash(pattern)),
    };
  }

  /** One full poll of every AP; the loops call it, tests may too. */
  async pollOnce(): Promise<void> {
    await this.track(this.pollAll());
  }

  private settle(
    entry: TagEntry,
    which: (target: string | null) => boolean,
    outcome: OeplApplyOutcome,
  ): void {
    const due = entry.waiters.filter((w) => which(w.target));
    if (due.length === 0) return;
    entry.waiters = entry.waiters.filter((w) => !which(w.target));
    for (const w of due) w.resolve(outcome);
  }

  // ── polling ───────────────────────────────────────────────────────────────────────────────────

  private track<T>(promise: Promise<T>): Promise<T> {
    this.running.add(promise);
    promise.finally(() => this.running.delete(promise)).catch(() => {});
    return promise;
  }

  private loopPoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      this.track(this.pollAll()).finally(() => this.loopPoll());
    }, this.o.pollIntervalMs);
  }

  private loopFlights(): void {
    if (this.stopped) return;
    this.flightTimer = setTimeout(() => {
      this.track(this.pollFlights()).finally(() => this.loopFlights());
    }, this.o.flightPollMs);
  }

  private async pollAll(): Promise<void> {
    const seen = new Map<string, { ap: ApHandle; tag: OeplTag; seq: number }>();
    const answered = new Set<ApHandle>();
    await Promise.all(
      this.aps.map(async (ap) => {
        try {
          const seq = ++this.fetchSeq;
          const { tags, truncated } = await ap.client.getDb();
          const all = truncated ? tags.concat(await this.tagsBeyondPaging(ap, tags)) : tags;
          for (const tag of all) {
            const prior = seen.get(tag.mac);
            // A tag synced from another AP shows as external there; talk to the AP that owns it.
            if (!prior || (prior.tag.isexternal && !tag.isexternal)) seen.set(tag.mac, { ap, tag, seq });
          }
          answered.add(ap);
        } catch (error) {
          this.logger.warn("oepl: AP poll failed", { ap: ap.client.baseUrl, error });
        }
      }),
    );
    if (this.stopped) return;
    const touched: Array<{ entry: TagEntry; tag: OeplTag; seq: number }> = [];
    for (const [labelId, { ap, tag, seq }] of seen)
      touched.push({ entry: await this.upsert(labelId, ap, tag, seq), tag, seq });
    for (const [labelId, entry] of this.entries) {
      if (!seen.has(labelId) && answered.has(entry.ap)) {
        clearTimeout(entry.kick);
        this.settle(entry, () => true, { ok: false, reason: "the tag left its AP", retry: false });
        this.entries.delete(labelId);
        if (entry.desired !== undefined) this.waiting.set(labelId, entry.desired);
        this.logger.info("oepl: tag no longer listed by its AP", { labelId, ap: entry.ap.client.baseUrl });
      }
    }
    // The inventory goes out before any state report, so a host never hears of a label it does not list.
    this.publishLabelsIfChanged();
    for (const { entry, tag, seq } of touched) this.observe(entry, tag, seq);
  }

  private async tagsBeyondPaging(ap: ApHandle, listed: OeplTag[]): Promise<OeplTag[]> {
    if (this.now() - ap.savedMacsAt >= this.o.savedDbRefreshMs) {
      try {
        ap.savedMacs = await ap.client.getSavedDbMacs();
        ap.savedMacsAt = this.now();
      } catch (error) {
        this.logger.warn("oepl: AP lists more than 255 tags and its saved DB could not be read", {
          ap: ap.client.baseUrl,
          error,
        });
      }
    }
    const have = new Set(listed.map((t) => t.mac));
    const found: OeplTag[] = [];
    for (const mac of ap.savedMacs) {
      if (have.has(mac)) continue;
      const tag = await ap.client.getTag(mac);
      if (tag) found.push(tag);
    }
    return found;
  }

  private async pollFlights(): Promise<void> {
    const byAp = new Map<ApHandle, TagEntry[]>();
    for (const entry of this.entries.values()) {
      if (entry.flight) byAp.set(entry.ap, [...(byAp.get(entry.ap) ?? []), entry]);
    }
    await Promise.all(
      [...byAp].map(async ([ap, flying]) => {
        try {
          if (flying.length > this.o.maxSingleTagPolls) {
            const seq = ++this.fetchSeq;
            const { tags } = await ap.client.getDb();
            const byMac = new Map(tags.map((t) => [t.mac, t]));
            for (const entry of flying) {
              const tag = byMac.get(entry.tag.mac);
              if (tag) this.observe(entry, tag, seq);
            }
          } else {
            for (const entry of flying) {
              const seq = ++this.fetchSeq;
              const tag = await ap.client.getTag(entry.tag.mac);
              if (tag && this.entries.get(entry.labelId) === entry) this.observe(entry, tag, seq);
            }
          }
        } catch (error) {
          this.logger.warn("oepl: AP poll of unconfirmed tags failed", { ap: ap.client.baseUrl, error });
        }
      }),
    );
    // Deadlines run on our clock, so they pass even while the AP does not answer.
    for (const entry of this.entries.values()) {
      if (entry.flight) this.evaluateFlight(entry, entry.tag);
      else this.schedule(entry);
    }
  }

  private async upsert(labelId: string, ap: ApHandle, tag: OeplTag, seq: number): Promise<TagEntry> {
    let entry = this.entries.get(labelId);
    if (!entry) {
      entry = {
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
      if (this.waiting.has(labelId)) {
        entry.desired = this.waiting.get(labelId);
        this.waiting.delete(labelId);
      }
      this.entries.set(labelId, entry);
    }
    entry.ap = ap;
    if (!entry.hw || entry.hw.hwType !== tag.hwType) {
      try {
        entry.hw = await this.registry.resolve(tag.hwType, (hwType) => ap.client.getTagType(hwType));
      } catch (error) {
        this.logger.warn("oepl: could not read the tag type from the AP", {
          labelId,
          hwType: hwTypeHex(tag.hwType),
          error,
        });
      }
      if (!entry.hw && !entry.hwWarned) {
        entry.hwWarned = true;
        this.logger.warn("oepl: unknown hardware type, the tag cannot be drawn on until the AP knows it", {
          labelId,
          hwType: hwTypeHex(tag.hwType),
        });
      }
    }
    return entry;
  }

  // ── the sync state machine ────────────────────────────────────────────────────────────────────

  /**
   * Polls overlap (full walks and single-tag looks), so an answer may arrive after a newer one: only
   * records from requests started after the one we already applied count.
   */
  private observe(entry: TagEntry, tag: OeplTag, seq: number): void {
    if (seq < entry.seenSeq) return;
    entry.seenSeq = seq;
    entry.tag = tag;
    if (entry.flight) {
      this.evaluateFlight(entry, tag);
    } else if (
      entry.displayed &&
      tag.hash !== entry.displayed.apHash &&
      !entry.commandHashes.includes(tag.hash)
    ) {
      // What the tag shows is no longer what we confirmed: a first boot (the AP zeroes the hash and
      // does not resend an uploaded image), a reboot command, or content someone else put there.
      this.logger.info("oepl: tag no longer shows our image", {
        labelId: entry.labelId,
        hash: tag.hash,
        firstBoot: tag.wakeupReason === WAKEUP_FIRST_BOOT,
      });
      entry.displayed = null;
    }
    this.report(entry);
    this.schedule(entry);
  }

  /** Decides whether the tag needs an upload now, and starts it. */
  private schedule(entry: TagEntry): void {
    if (this.stopped || entry.working || entry.flight || entry.kick) return;
    if (entry.desired === undefined || !entry.hw) return;
    // The AP's content runner skips a tag it has never heard (RSSI 0): an upload would just time out.
    if (!entry.tag.RSSI) return;
    if (entry.desired === null && !this.o.blankOnClear) return;
    const target = targetOf(entry.desired);
    if (entry.displayed && entry.displayed.contentHash === target) return;
    if (this.now() < entry.retryAt) return;
    if (entry.ap.activeUploads >= this.o.maxConcurrentUploadsPerAp) return;
    this.exclusive(entry, () => this.upload(entry, entry.desired as LabelContent | null, entry.hw!));
  }

  /** Newer content arrived: replace a queued image the tag has not fetched yet, or just schedule. */
  private reconsider(entry: TagEntry): void {
    if (this.shouldSupersede(entry)) this.supersede(entry);
    else this.schedule(entry);
  }

  private shouldSupersede(entry: TagEntry): boolean {
    const flight = entry.flight;
    if (!flight?.processed) return false;
    return (
      !entry.working &&
      !entry.kick &&
      entry.tag.pending > 0 &&
      entry.commandsSent === flight.commandsAtBaseline &&
      entry.desired !== undefined &&
      targetOf(entry.desired) !== flight.target
    );
  }

  /**
   * The AP never drops a superseded queued image by itself, so without this a sleeping tag would
   * wake, fetch and draw the stale price first, a whole check-in interval before the current one.
   */
  private supersede(entry: TagEntry): void {
    this.exclusive(entry, async () => {
      await entry.ap.client.tagCmd(entry.tag.mac, "clear");
      entry.flight = undefined;
      this.counters.superseded++;
      this.logger.info("oepl: replaced a queued, not yet fetched image with newer content", {
        labelId: entry.labelId,
      });
    });
  }

  private exclusive(entry: TagEntry, work: () => Promise<void>): void {
    entry.working = true;
    const run = (async () => {
      try {
        await work();
      } catch (error) {
        this.logger.warn("oepl: tag operation failed", { labelId: entry.labelId, error });
      } finally {
        entry.working = false;
      }
      if (!this.stopped && this.entries.get(entry.labelId) === entry) this.schedule(entry);
    })();
    this.track(run);
  }

  private panelOf(hw: OeplHwType): OeplPanel {
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

  private async upload(entry: TagEntry, content: LabelContent | null, hw: OeplHwType): Promise<void> {
    const ap = entry.ap;
    ap.activeUploads++;
    try {
      const panel = this.panelOf(hw);
      const image = content ? await this.options.render(content, panel) : blank(panel);
      const jpeg = encodePanelJpeg(image, panel, { quality: this.o.jpegQuality });
      // A fresh baseline: the counters we judge the upload by must predate it.
      const seq = ++this.fetchSeq;
      const commandsAtBaseline = entry.commandsSent;
      const baseline = (await ap.client.getTag(entry.tag.mac)) ?? entry.tag;
      const uploadedAt = this.now();
      await ap.client.uploadImage(entry.tag.mac, jpeg, { dither: this.o.dither, rotate: 0 });
      this.counters.uploads++;
      if (seq >= entry.seenSeq) {
        entry.tag = baseline;
        entry.seenSeq = seq;
      }
      entry.flight = {
        target: targetOf(content),
        version: content?.version,
        baseline,
        uploadedAt,
        acceptBy: uploadedAt + this.o.acceptTimeoutMs,
        confirmBy: Number.POSITIVE_INFINITY,
        landed: false,
        processed: false,
        sawPending: false,
        commandsAtBaseline,
        offlineLogged: false,
      };
      this.logger.debug("oepl: uploaded", {
        labelId: entry.labelId,
        bytes: jpeg.length,
        target: targetOf(content),
      });
    } catch (error) {
      this.retryLater(entry, `upload failed: ${(error as Error).message}`);
    } finally {
      ap.activeUploads--;
    }
  }

  private retryLater(entry: TagEntry, reason: string): void {
    entry.attempts++;
    entry.retryAt =
      this.now() +
      backoffDelay(entry.attempts, { initialMs: this.o.retryInitialMs, maxMs: this.o.retryMaxMs });
    this.counters.failed++;
    this.settle(entry, () => true, {
      ok: false,
      reason,
      retry: true,
      retryAfterMs: Math.max(0, entry.retryAt - this.now()),
    });
    this.logger.warn("oepl: upload not confirmed, will upload again", {
      labelId: entry.labelId,
      reason,
      attempt: entry.attempts,
      retryInMs: entry.retryAt - this.now(),
    });
  }

  /**
   * Reads the AP's record of the tag against the baseline taken before the upload:
   * 1. landed    modecfgjson names a new `/temp/<mac>_<millis>.jpg` (the AP accepted the request);
   * 2. processed nextupdate left 0 (the content runner decoded it and queued it, or found it identical);
   * 3. delivered pending back at 0 and updatecount grew by more than our own queued commands:
   *              the tag fetched it (transfer complete also sets hash and updatelast).
   * Nothing queued, nothing delivered and a non-zero hash that is not one of our LED patterns means the
   * AP found the image identical to what the tag already shows: confirmed as well.
   */
  private evaluateFlight(entry: TagEntry, tag: OeplTag): void {
    const flight = entry.flight;
    if (!flight || entry.working) return;
    const now = this.now();
    const base = flight.baseline;
    if (!flight.landed) {
      const file = fileOf(tag.modecfgjson);
      if (file && file !== fileOf(base.modecfgjson) && file.startsWith(`/temp/${tag.mac}_`)) {
        flight.landed = true;
      } else {
        if (now > flight.acceptBy) this.failFlight(entry, "the AP did not take the upload (busy or lost)");
        return;
      }
    }
    if (!flight.processed) {
      if (tag.nextupdate === 0) {
        if (now > flight.acceptBy) this.failFlight(entry, "the AP did not process the upload in time");
        return;
      }
      flight.processed = true;
      flight.confirmBy = now + this.o.confirmTimeoutMs;
      if (tag.pending > 0) this.settle(entry, (t) => t === flight.target, { ok: true, state: "queued" });
    }
    if (tag.pending > 0) {
      flight.sawPending = true;
      if (this.shouldSupersede(entry)) this.supersede(entry);
      else if (now > flight.confirmBy) this.confirmOverdue(entry, tag, flight);
      return;
    }
    const ours = (hash: string) => hash !== OEPL_ZERO_HASH && !entry.commandHashes.includes(hash);
    const delivered =
      tag.updatecount !== undefined && base.updatecount !== undefined
        ? tag.updatecount - base.updatecount > entry.commandsSent - flight.commandsAtBaseline
        : tag.hash !== base.hash && ours(tag.hash);
    if (delivered) {
      if (tag.hash === OEPL_ZERO_HASH) {
        this.failFlight(entry, "the tag was reset right after the transfer");
        return;
      }
      this.confirm(entry, tag, flight, false);
      return;
    }
    if (flight.sawPending) {
      this.failFlight(entry, "the queued image left the AP's queue without reaching the tag");
      return;
    }
    if (ours(tag.hash)) {
      this.confirm(entry, tag, flight, true);
      return;
    }
    this.failFlight(entry, "the AP queued nothing (it could not decode the JPEG?)");
  }

  private confirmOverdue(entry: TagEntry, tag: OeplTag, flight: Flight): void {
    const nowS = this.now() / 1000;
    const asleep = tag.nextcheckin === OEPL_NEVER || nowS > tag.nextcheckin + OFFLINE_GRACE_S;
    if (asleep) {
      // Uploading again would only pile a second image into the queue; it goes when the tag wakes.
      if (!flight.offlineLogged) {
        flight.offlineLogged = true;
        this.logger.info("oepl: tag is asleep or offline, its image waits at the AP", {
          labelId: entry.labelId,
        });
      }
      flight.confirmBy = this.now() + this.o.confirmTimeoutMs;
      return;
    }
    this.exclusive(entry, async () => {
      await entry.ap.client.tagCmd(tag.mac, "clear");
      this.failFlight(entry, "the tag checks in but did not fetch the image in time; queue cleared");
    });
  }

  private failFlight(entry: TagEntry, reason: string): void {
    entry.flight = undefined;
    this.retryLater(entry, reason);
  }

  private confirm(entry: TagEntry, tag: OeplTag, flight: Flight, identical: boolean): void {
    entry.flight = undefined;
    entry.attempts = 0;
    entry.retryAt = 0;
    entry.displayed = { contentHash: flight.target, version: flight.version, apHash: tag.hash };
    this.counters.confirmed++;
    if (identical) this.counters.identical++;
    this.logger.info("oepl: tag shows the upload", {
      labelId: entry.labelId,
      contentHash: flight.target,
      identical,
    });
    this.settle(entry, (t) => t === flight.target, { ok: true, state: "shown" });
    this.report(entry);
    this.schedule(entry);
  }

  // ── reporting ─────────────────────────────────────────────────────────────────────────────────

  private report(entry: TagEntry, force = false): void {
    const tag = entry.tag;
    const chemistry = this.battery.byHwType[tag.hwType] ?? this.battery.chemistry;
    const battery = batteryPercent(tag.batteryMv, chemistry);
    const seen = tag.lastseen > 0;
    const state: LabelState = {
      v: PROTOCOL_VERSION,
      displayedHash: entry.displayed?.contentHash ?? null,
      ...(entry.displayed?.version !== undefined ? { version: entry.displayed.version } : {}),
      ...(battery !== undefined ? { battery } : {}),
      ...(seen ? { rssi: Math.max(-150, Math.min(20, tag.RSSI)) } : {}),
      ts: seen ? tag.lastseen * 1000 : this.now(),
    };
    const key = JSON.stringify([state.displayedHash, state.version, state.battery, state.rssi]);
    const heartbeat =
      this.now() - entry.lastReportAt >= this.o.stateHeartbeatMs && state.ts !== entry.lastReportTs;
    if (key === entry.lastReportKey && !heartbeat && !force) return;
    entry.lastReportKey = key;
    entry.lastReportAt = this.now();
    entry.lastReportTs = state.ts as number;
    this.options.host.reportState(entry.labelId, state);
  }

  private describe(entry: TagEntry): LabelDescriptor {
    if (!entry.hw) return { labelId: entry.labelId, model: `OEPL hwType 0x${hwTypeHex(entry.tag.hwType)}` };
    return {
      labelId: entry.labelId,
      model: modelName(entry.hw),
      width: entry.hw.width,
      height: entry.hw.height,
      colors: entry.hw.colors,
    };
  }

  private publishLabelsIfChanged(): void {
    const labels = this.labels();
    const key = JSON.stringify(labels);
    if (key === this.lastLabelsKey) return;
    this.lastLabelsKey = key;
    this.options.host.labelsChanged(labels);
  }
}

function blank(panel: OeplPanel): RgbaImage {
  return {
    data: new Uint8Array(panel.width * panel.height * 4).fill(255),
    width: panel.width,
    height: panel.height,
  };
}
