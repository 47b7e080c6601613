import { backoffDelay } from "../../lib/backoff.ts";
import type { LabelCommand, LabelContent, LabelDescriptor } from "../../schemas/mqtt.ts";
import {
  type OeplAdapterOptions,
  type OeplAdapterStats,
  type OeplApplyOutcome,
  type OeplCommandResult,
  type OeplTunables,
  tunables,
} from "./adapter-types.ts";
import { CAPABILITY_LED, OEPL_NEVER, type OeplTag, WAKEUP_FIRST_BOOT } from "./ap-client.ts";
import { type ApHandle, apHandles, listTags } from "./ap-fleet.ts";
import type { BatteryChemistry } from "./battery.ts";
import { type Flight, readFlight } from "./flight.ts";
import { HwTypeRegistry, hwTypeHex, type OeplHwType } from "./hwtypes.ts";
import { encodePanelJpeg } from "./jpeg.ts";
import { decodeLedFlash, ledDurationMs, ledFlashForCommand, ledPatternHex } from "./led.ts";
import { type OeplLogger, silentOeplLogger } from "./logger.ts";
import { isOeplLabelId } from "./mac.ts";
import {
  blankImage,
  newTagEntry,
  panelOf,
  type TagEntry,
  tagDescriptor,
  tagState,
  targetOf,
} from "./tag-entry.ts";

export type {
  OeplAdapterHost,
  OeplAdapterOptions,
  OeplAdapterStats,
  OeplApplyOutcome,
  OeplCommandResult,
  OeplPanel,
  OeplRender,
} from "./adapter-types.ts";

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
 *
 * Split along its seams: adapter-types.ts (options, outcomes), ap-fleet.ts (the APs and what they
 * list), tag-entry.ts (what is kept per tag, its state report and descriptor), flight.ts (judging an
 * upload by the AP's record); this file is the state machine that ties them together.
 */

const FLASH_HASH_SUFFIX = "0".repeat(16);
/** The AP's own rule (tag_db.cpp getTagCount): 10 minutes past the expected check-in is a timeout. */
const OFFLINE_GRACE_S = 600;

export class OeplAdapter {
  private readonly aps: ApHandle[];
  private readonly entries = new Map<string, TagEntry>();
  /** Content for labels not (yet) seen on any AP. */
  private readonly waiting = new Map<string, LabelContent | null>();
  private readonly registry: HwTypeRegistry;
  private readonly logger: OeplLogger;
  private readonly now: () => number;
  private readonly o: OeplTunables;
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
    this.aps = apHandles(options.aps, options.clientOptions, this.logger);
    this.o = tunables(options);
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
      .map((entry) => tagDescriptor(entry))
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
    const { seen, answered } = await listTags(this.aps, {
      nextSeq: () => ++this.fetchSeq,
      now: this.now,
      savedDbRefreshMs: this.o.savedDbRefreshMs,
      logger: this.logger,
    });
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
      entry = newTagEntry(labelId, ap, tag, seq);
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

  private async upload(entry: TagEntry, content: LabelContent | null, hw: OeplHwType): Promise<void> {
    const ap = entry.ap;
    ap.activeUploads++;
    try {
      const panel = panelOf(hw);
      const image = content ? await this.options.render(content, panel) : blankImage(panel);
      const jpeg = await encodePanelJpeg(image, panel, { quality: this.o.jpegQuality });
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

  /** Acts on what the AP's record says about the upload in flight (see flight.ts readFlight). */
  private evaluateFlight(entry: TagEntry, tag: OeplTag): void {
    const flight = entry.flight;
    if (!flight || entry.working) return;
    const reading = readFlight(flight, tag, {
      now: this.now(),
      confirmTimeoutMs: this.o.confirmTimeoutMs,
      commandHashes: entry.commandHashes,
      commandsSent: entry.commandsSent,
    });
    switch (reading.kind) {
      case "waiting":
        return;
      case "failed":
        this.failFlight(entry, reading.reason);
        return;
      case "shown":
        this.confirm(entry, tag, flight, reading.identical);
        return;
      case "pending":
        if (reading.queuedNow) this.settle(entry, (t) => t === flight.target, { ok: true, state: "queued" });
        if (this.shouldSupersede(entry)) this.supersede(entry);
        else if (this.now() > flight.confirmBy) this.confirmOverdue(entry, tag, flight);
        return;
    }
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
    const chemistry = this.battery.byHwType[entry.tag.hwType] ?? this.battery.chemistry;
    const state = tagState(entry, chemistry, this.now());
    const key = JSON.stringify([state.displayedHash, state.version, state.battery, state.rssi]);
    const heartbeat =
      this.now() - entry.lastReportAt >= this.o.stateHeartbeatMs && state.ts !== entry.lastReportTs;
    if (key === entry.lastReportKey && !heartbeat && !force) return;
    entry.lastReportKey = key;
    entry.lastReportAt = this.now();
    entry.lastReportTs = state.ts as number;
    this.options.host.reportState(entry.labelId, state);
  }

  private publishLabelsIfChanged(): void {
    const labels = this.labels();
    const key = JSON.stringify(labels);
    if (key === this.lastLabelsKey) return;
    this.lastLabelsKey = key;
    this.options.host.labelsChanged(labels);
  }
}
