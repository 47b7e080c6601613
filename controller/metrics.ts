import { performance } from "node:perf_hooks";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { FEED_NAMES, MERCHANT_FEEDS, PARITY_REASONS, SYNC_STATUSES } from "../schemas/index.ts";
import { BRIDGE_CONNECTION } from "./chain/bridge-config.ts";
import { type FeedIngestor, FeedRejected, FeedTooLarge } from "./feeds/ingest.ts";
import { type MerchantIngestor, MerchantRejected } from "./feeds/merchant/ingest.ts";
import { syncCounts } from "./labels/views.ts";
import type { LinkObserver } from "./mqtt/controller-link.ts";
import type { ControllerServices } from "./services.ts";

/**
 * What central ops scrapes from every store (`GET /metrics`, Prometheus text format): labels by sync
 * state, feed batches and rows by outcome, the last sequence per feed, the MQTT link, how long the
 * broker takes to acknowledge a label's content and how long the label takes to show it, bridges,
 * approvals waiting, the last parity audit (share at parity, mismatches by reason, how long it took),
 * and the process itself (memory, CPU, event-loop lag). Counters count since the
 * process started; gauges are read from the store at scrape time.
 */
export interface ControllerMetrics {
  readonly registry: Registry;
  /** The feed ingestor, counting every batch and its rows by feed and outcome. */
  countFeeds(ingest: FeedIngestor): FeedIngestor;
  /** The same for Merchant Center and local inventory batches (items count as rows). */
  countMerchantFeeds(ingest: MerchantIngestor): MerchantIngestor;
  /** Hooks for the MQTT link: connects, publish acknowledgements and label state reports. */
  readonly link: LinkObserver;
  /**
   * SHELFSYNC_CHAIN=on: the chain link's connection, and whether the store broker's bridge to the
   * chain is up (chain-link.ts rule 8; no sample while nothing said so, e.g. no bridge in between).
   */
  watchChain(chain: { connected(): boolean; uplink(): "up" | "down" | undefined }): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ body: string; contentType: string }>;
}

type Sources = Pick<ControllerServices, "config" | "version" | "stores" | "link" | "syncContext">;

/** Broker acknowledgements: sub-millisecond on a quiet store, seconds while tens of thousands queue. */
const PUBLISH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Label acknowledgements: a radio round trip at best, a sleeping label's next check-in at worst. */
const ACK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

const FEED_OUTCOMES = ["applied", "not_applied", "rejected", "too_large"] as const;
const ROW_OUTCOMES = ["read", "changed", "held", "invalid", "rejected"] as const;

/** `sources` is read at scrape time (the services exist only once the controller is assembled). */
export function controllerMetrics(sources: () => Sources | undefined): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const s = () => sources();

  new Gauge({
    name: "shelfsync_info",
    help: "Always 1; the labels say which store and which version",
    labelNames: ["store", "version"],
    registers: [registry],
    collect() {
      const src = s();
      this.reset();
      if (src) this.set({ store: src.config.storeId, version: src.version }, 1);
    },
  });

  new Gauge({
    name: "shelfsync_labels",
    help: "Labels by sync state (in_sync, pending, failed, offline, never_seen, unlinked, unknown_content), as GET /api/v1/sync counts them",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const src = s();
      if (!src) return;
      const sum = syncCounts(src.stores.labels.syncCountSource, src.syncContext());
      const counts: Record<(typeof SYNC_STATUSES)[number], number> = {
        in_sync: sum.inSync,
        pending: sum.pending,
        failed: sum.failed,
        offline: sum.offline,
        never_seen: sum.neverSeen,
        unlinked: sum.unlinked,
        unknown_content: sum.unknownContent,
      };
      for (const state of SYNC_STATUSES) this.set({ state }, counts[state]);
    },
  });

  const batches = new Counter({
    name: "shelfsync_feed_batches_total",
    help: "Feed batches received, by feed and outcome (applied, not_applied: sequence not above the last, rejected: a bad row, too_large)",
    labelNames: ["feed", "outcome"],
    registers: [registry],
  });
  const rows = new Counter({
    name: "shelfsync_feed_rows_total",
    help: "Feed rows (merchant items) by feed and outcome (read in applied batches, changed, held for approval, invalid and skipped, read in rejected batches)",
    labelNames: ["feed", "outcome"],
    registers: [registry],
  });
  for (const feed of [...FEED_NAMES, ...MERCHANT_FEEDS]) {
    for (const outcome of FEED_OUTCOMES) batches.inc({ feed, outcome }, 0);
    for (const outcome of ROW_OUTCOMES) rows.inc({ feed, outcome }, 0);
  }

  const ledger = () => s()?.stores.catalog.feedLedger() ?? [];
  new Gauge({
    name: "shelfsync_feed_last_sequence",
    help: "The last sequence applied, per feed",
    labelNames: ["feed"],
    registers: [registry],
    collect() {
      for (const f of ledger()) if (f.lastSequence !== null) this.set({ feed: f.feed }, f.lastSequence);
    },
  });
  new Gauge({
    name: "shelfsync_feed_missing_sequences",
    help: "Sequence numbers skipped per feed (gaps to be filled by catch-up)",
    labelNames: ["feed"],
    registers: [registry],
    collect() {
      for (const f of ledger())
        this.set(
          { feed: f.feed },
          f.gaps.reduce((n, g) => n + (g.to - g.from + 1), 0),
        );
    },
  });
  new Gauge({
    name: "shelfsync_feed_last_applied_timestamp_seconds",
    help: "When the last batch of each feed was applied (Unix time)",
    labelNames: ["feed"],
    registers: [registry],
    collect() {
      for (const f of ledger()) if (f.appliedAt !== null) this.set({ feed: f.feed }, f.appliedAt / 1000);
    },
  });

  new Gauge({
    name: "shelfsync_mqtt_connected",
    help: "1 while the controller is connected to its MQTT broker",
    registers: [registry],
    collect() {
      this.set(s()?.link.connected() ? 1 : 0);
    },
  });
  const connects = new Counter({
    name: "shelfsync_mqtt_connects_total",
    help: "Connections to the MQTT broker (the first and every reconnect)",
    registers: [registry],
  });
  const publishSeconds = new Histogram({
    name: "shelfsync_label_publish_seconds",
    help: "Label content handed to the broker until its PUBACK",
    buckets: PUBLISH_BUCKETS,
    registers: [registry],
  });
  const publishFailures = new Counter({
    name: "shelfsync_label_publish_failures_total",
    help: "Label content publishes that failed (resent on the next connect)",
    registers: [registry],
  });
  const ackSeconds = new Histogram({
    name: "shelfsync_label_ack_seconds",
    help: "Changed label content published until the label reports showing that content hash",
    buckets: ACK_BUCKETS,
    registers: [registry],
  });

  /** Per label, the newest changed content sent and not yet reported shown (one entry per label at most). */
  const unconfirmed = new Map<string, { hash: string; sentAt: number }>();
  new Gauge({
    name: "shelfsync_label_updates_unconfirmed",
    help: "Labels sent changed content that they have not yet reported showing",
    registers: [registry],
    collect() {
      this.set(unconfirmed.size);
    },
  });

  new Gauge({
    name: "shelfsync_bridge_up",
    help: "1 while a bridge's availability is online",
    labelNames: ["bridge", "kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of s()?.stores.labels.bridgeStats() ?? [])
        this.set({ bridge: b.bridgeId, kind: b.kind ?? "" }, b.online ? 1 : 0);
    },
  });
  new Gauge({
    name: "shelfsync_bridge_labels",
    help: "Labels per bridge: announced, linked to a product, and showing their current content",
    labelNames: ["bridge", "set"],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of s()?.stores.labels.bridgeStats() ?? []) {
        this.set({ bridge: b.bridgeId, set: "announced" }, b.labels);
        this.set({ bridge: b.bridgeId, set: "linked" }, b.linked);
        this.set({ bridge: b.bridgeId, set: "current" }, b.showingCurrent);
      }
    },
  });

  new Gauge({
    name: "shelfsync_approvals_waiting",
    help: "Price changes held by a guard rail, waiting for a decision",
    registers: [registry],
    collect() {
      const src = s();
      if (src) this.set(src.stores.approvals.pendingCount());
    },
  });

  // The last finished parity audit, read at scrape time. Labelled by the kind of its source (a feed,
  // the product pages) so that a store that never audited has no sample rather than a share of 0.
  const latestAudit = () => {
    const a = s()?.stores.parity.latest();
    if (!a) return undefined;
    let source = "unknown";
    try {
      const kind = (JSON.parse(a.sourceJson) as { kind?: unknown }).kind;
      if (typeof kind === "string") source = kind;
    } catch {
      // An unreadable source still has an outcome worth showing.
    }
    return { ...a, source };
  };
  new Gauge({
    name: "shelfsync_parity_share",
    help: "Share of the compared SKUs at parity with the web shop in the last finished parity audit (0-1)",
    labelNames: ["source"],
    registers: [registry],
    collect() {
      this.reset();
      const a = latestAudit();
      if (a && a.compared > 0) this.set({ source: a.source }, a.atParity / a.compared);
    },
  });
  new Gauge({
    name: "shelfsync_parity_mismatches",
    help: "Mismatches by reason in the last finished parity audit",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      const src = s();
      const a = latestAudit();
      if (!src || !a) return;
      const counts = src.stores.parity.mismatchCounts(a.auditId);
      for (const reason of PARITY_REASONS) this.set({ reason }, counts.get(reason) ?? 0);
    },
  });
  new Gauge({
    name: "shelfsync_parity_audit_seconds",
    help: "How long the last finished parity audit took, from its start to its stored outcome",
    labelNames: ["source"],
    registers: [registry],
    collect() {
      this.reset();
      const a = latestAudit();
      if (a?.finishedAt != null) this.set({ source: a.source }, (a.finishedAt - a.at) / 1000);
    },
  });
  new Gauge({
    name: "shelfsync_parity_last_audit_timestamp_seconds",
    help: "When the last finished parity audit started (Unix time)",
    labelNames: ["source"],
    registers: [registry],
    collect() {
      this.reset();
      const a = latestAudit();
      if (a) this.set({ source: a.source }, a.at / 1000);
    },
  });

  const counted = (
    feed: string,
    reply: { applied: boolean; read: number; changed: number; held: number; invalid: number },
  ) => {
    if (!reply.applied) {
      batches.inc({ feed, outcome: "not_applied" });
      return;
    }
    batches.inc({ feed, outcome: "applied" });
    rows.inc({ feed, outcome: "read" }, reply.read);
    rows.inc({ feed, outcome: "changed" }, reply.changed);
    rows.inc({ feed, outcome: "held" }, reply.held);
    rows.inc({ feed, outcome: "invalid" }, reply.invalid);
  };
  const refused = (feed: string, e: unknown) => {
    if (e instanceof FeedRejected || e instanceof MerchantRejected) {
      batches.inc({ feed, outcome: "rejected" });
      rows.inc({ feed, outcome: "rejected" }, e instanceof FeedRejected ? e.rowsRead : e.itemsRead);
    } else if (e instanceof FeedTooLarge) {
      batches.inc({ feed, outcome: "too_large" });
    }
  };

  return {
    registry,
    // Registered only with a chain: a gauge without labels always has a sample, and a 0 on every
    // store without one would read as an outage.
    watchChain(chain) {
      new Gauge({
        name: "shelfsync_chain_connected",
        help: "1 while the controller is connected to the broker it takes the chain's feeds from (SHELFSYNC_CHAIN=on)",
        registers: [registry],
        collect() {
          this.set(chain.connected() ? 1 : 0);
        },
      });
      new Gauge({
        name: "shelfsync_chain_uplink_up",
        help: "1 while the store broker's bridge to the chain is connected, 0 while not (its notifications)",
        // Labelled so that an unknown state (no bridge in between, or not connected) has no sample.
        labelNames: ["connection"],
        registers: [registry],
        collect() {
          this.reset();
          const state = chain.uplink();
          if (state !== undefined) this.set({ connection: BRIDGE_CONNECTION }, state === "up" ? 1 : 0);
        },
      });
    },
    countFeeds: (ingest) => async (batch) => {
      try {
        const r = await ingest(batch);
        counted(batch.feed, { ...r, read: r.rowsRead, changed: r.rowsChanged, invalid: 0 });
        return r;
      } catch (e) {
        refused(batch.feed, e);
        throw e;
      }
    },
    countMerchantFeeds: (ingest) => async (batch) => {
      try {
        const r = await ingest(batch);
        counted(batch.feed, { ...r, read: r.itemsRead, changed: r.rowsChanged, invalid: r.itemsInvalid });
        return r;
      } catch (e) {
        refused(batch.feed, e);
        throw e;
      }
    },
    link: {
      connected: () => connects.inc(),
      contentSent(labelId, contentHash) {
        const sentAt = performance.now();
        if (contentHash) unconfirmed.set(labelId, { hash: contentHash, sentAt });
        else if (contentHash === null) unconfirmed.delete(labelId);
        return (ok) => {
          if (ok) publishSeconds.observe((performance.now() - sentAt) / 1000);
          else publishFailures.inc();
        };
      },
      labelShows(labelId, displayedHash) {
        const sent = unconfirmed.get(labelId);
        if (!sent || sent.hash !== displayedHash) return;
        unconfirmed.delete(labelId);
        ackSeconds.observe((performance.now() - sent.sentAt) / 1000);
      },
    },
    scrape: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
  };
}
