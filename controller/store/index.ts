import { approvalStore } from "./approvals.ts";
import { auditStore } from "./audit.ts";
import { catalogStore } from "./catalog.ts";
import { type Db, openDb } from "./db.ts";
import { feedHistory } from "./feed-history.ts";
import { labelStore } from "./labels.ts";
import { mediaStore } from "./media.ts";
import { onlineStore } from "./online.ts";
import { overrideStore } from "./overrides.ts";
import { parityStore } from "./parity.ts";
import { productSearch } from "./product-search.ts";
import { promotionStore } from "./promotions.ts";
import { screenStore } from "./screens.ts";
import { tokenStore } from "./tokens.ts";

/** Every store over one SQLite file: the controller's whole persistence layer. */
export function openStores(
  path: string,
  options: {
    busyTimeoutMs?: number;
    /** Called before every write transaction of the change layer; throws to refuse it (store/faults.ts). */
    beforeWrite?: () => void;
  } = {},
) {
  const db: Db = openDb(path, options);
  const promotions = promotionStore(db);
  const approvals = approvalStore(db);
  const audit = auditStore(db);
  const overrides = overrideStore(db);
  const totalChanges = db.$client.prepare<[], { n: number }>("SELECT total_changes() AS n");
  return {
    db,
    promotions,
    approvals,
    overrides,
    catalog: catalogStore(db, { promotions, overrides, approvals }),
    labels: labelStore(db),
    productSearch: productSearch(db),
    feedHistory: feedHistory(db),
    online: onlineStore(db),
    parity: parityStore(db),
    audit,
    tokens: tokenStore(db),
    screens: screenStore(db),
    media: mediaStore(db),
    /**
     * Run several store calls as one write transaction. IMMEDIATE: the write lock is taken at BEGIN,
     * so a second writer on the file (the import CLI) waits instead of failing half-way.
     */
    transaction: <T>(fn: () => T): T => {
      options.beforeWrite?.();
      return db.$client.transaction(fn).immediate();
    },
    /**
     * Changes whenever anything is written to the file: by this connection (rows changed since it
     * opened) or by another one (`data_version`: the import CLI writing with --direct). Cheap enough
     * to poll every 100 ms; live views recompute only when it moved.
     */
    revision: (): string =>
      `${totalChanges.get()?.n ?? 0}:${db.$client.pragma("data_version", { simple: true }) as number}`,
    close: () => db.$client.close(),
  };
}
export type Stores = ReturnType<typeof openStores>;
