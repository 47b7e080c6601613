import type { GuardRailPolicy } from "../pricing/index.ts";
import { approvalStore } from "./approvals.ts";
import { auditStore } from "./audit.ts";
import { catalogStore } from "./catalog.ts";
import { type Db, openDb } from "./db.ts";
import { labelStore } from "./labels.ts";
import { overrideStore } from "./overrides.ts";
import { promotionStore } from "./promotions.ts";
import { tokenStore } from "./tokens.ts";

/** Every store over one SQLite file: the controller's whole persistence layer. */
export function openStores(path: string, options: { guardRail: GuardRailPolicy }) {
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
    catalog: catalogStore(db, { promotions, overrides, approvals, audit, guardRail: options.guardRail }),
    labels: labelStore(db),
    audit,
    tokens: tokenStore(db),
    /** Run several store calls as one transaction. */
    transaction: <T>(fn: () => T): T => db.$client.transaction(fn)(),
    close: () => db.$client.close(),
  };
}
export type Stores = ReturnType<typeof openStores>;
