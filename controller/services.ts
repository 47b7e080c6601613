import type { Changes } from "./changes/index.ts";
import type { Config } from "./config.ts";
import type { FeedAdmission } from "./feeds/admission.ts";
import type { CentralCatchUp } from "./feeds/catch-up.ts";
import type { FeedIngestor } from "./feeds/ingest.ts";
import type { MerchantIngestor } from "./feeds/merchant/ingest.ts";
import type { OnlineSources } from "./feeds/merchant/pull.ts";
import type { LabelSync } from "./labels/label-sync.ts";
import type { AckRetries } from "./labels/retries.ts";
import type { SyncContext } from "./labels/sync-status.ts";
import type { Logger } from "./log.ts";
import type { ControllerMetrics } from "./metrics.ts";
import type { ControllerLink } from "./mqtt/controller-link.ts";
import type { ParityAudits } from "./parity/audit.ts";
import type { Clock } from "./scheduler/index.ts";
import type { Screens } from "./screens/index.ts";
import type { CatalogStore } from "./store/catalog.ts";
import type { Db } from "./store/db.ts";
import type { DbWatch } from "./store/faults.ts";
import type { Stores } from "./store/index.ts";
import type { LabelStore } from "./store/labels.ts";

/** What the HTTP layer and the CLI see of a running controller. */
export interface ControllerServices {
  config: Config;
  version: string;
  startedAt: number;
  log: Logger;
  /** The pricing clock: what "now" is for prices and promotions. */
  clock: Clock;
  stores: Stores;
  db: Db;
  catalog: CatalogStore;
  labels: LabelStore;
  sync: LabelSync;
  /** Every change to the store's data: apply → audit → refresh the labels (controller/changes). */
  changes: Changes;
  ingest: FeedIngestor;
  /** The feed queue every batch takes a turn of (feeds/admission.ts). */
  feedAdmission: FeedAdmission;
  /** Merchant Center product and local inventory batches (HTTP, pulls, CLI). */
  ingestMerchant: MerchantIngestor;
  /** The web shop's feeds pulled from SHELFSYNC_ONLINE_FEED_URL / SHELFSYNC_LOCAL_INVENTORY_URL. */
  onlineSources: OnlineSources;
  /** Parity audits: shelf against the web shop (controller/parity). */
  parity: ParityAudits;
  link: ControllerLink;
  /** Content resent to labels that do not acknowledge it; those that never do are `failed`. */
  retries: AckRetries;
  /** Missing and newer feed batches pulled from SHELFSYNC_CENTRAL_URL; null when it is unset. */
  central: CentralCatchUp | null;
  /** Prometheus metrics (GET /metrics). */
  metrics: ControllerMetrics;
  mqttUrl: string;
  embeddedBroker: boolean;
  /**
   * Close the embedded broker's connections whose token is no longer active (after a revocation);
   * how many. 0 on another broker: Mosquitto rereads its password file on a reload instead.
   */
  signOutRevokedMqtt(): number;
  /** Signage screens: pairing, playlists, each screen's live show. */
  screens: Screens;
  /** Database faults (locked, full, read-only, file gone): alarms for health, waits for writes. */
  dbWatch: DbWatch;
  /** The inputs for judging whether labels are right, now. */
  syncContext(): SyncContext;
}
