import { approvalStore } from "./approvals.ts";
import { auditStore } from "./audit.ts";
import { catalogStore } from "./catalog.ts";
import { type Db, openDb } from "./db.ts";
import { labelStore } from "./labels.ts";
import { onlineStore } from "./online.ts";
import { overrideStore } from "./overrides.ts";
import { promotionStore } from "./promotions.ts";
import { tokenStore } from "./tokens.ts";

/** Every store over one SQLite file: the controller's whole persistence layer. */
export function openStores(path: string) {
  const db: Db = openDb(path);
  const promotions = promotionStore(db);
  const approvals = approvalStore(db);
  const audit = auditStore(db);
  const overrides = overrideStore(db);
  return {
    db,
    promotions,
    approvals,
    overrides,
    catalog: catalogStore(db, { promotions, overrides, approvals }),
    labels: labelStore(db),
    online: onlineStore(db),
    audit,
    tokens: tokenStore(db),
    /**
     * Run several store calls as one write transaction. IMMEDIATE: the write lock is taken at BEGIN,
     * so a second writer on the file (the import CLI) waits instead of failing half-way.
     */
    transaction: <T>(fn: () => T): T => db.$client.transaction(fn).immediate(),
    close: () => db.$client.close(),
  };
}
export type Stores = ReturnType<typeof openStores>;
