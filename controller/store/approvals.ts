import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";

export type ApprovalStatus = "pending" | "approved" | "rejected" | "superseded";

export interface ApprovalRecord {
  approvalId: string;
  /** A feed's `price` row, a staff `override`, or a staff `promotion` (then `promotionJson` holds it). */
  change: "price" | "override" | "promotion";
  sku: string;
  currentAmountMinor: number | null;
  currentCurrency: string | null;
  proposedAmountMinor: number;
  proposedCurrency: string;
  effectiveFrom: number | null;
  effectiveTo: number | null;
  reason: string;
  source: string;
  feedSequence: number | null;
  author: string | null;
  changeReason: string | null;
  promotionJson: string | null;
  status: ApprovalStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionReason: string | null;
  createdAt: number;
}

/**
 * What is held: everything but the decision, which comes later; author and reason only for staff
 * changes, the promotion only for a promotion.
 */
export type HoldRequest = Omit<
  ApprovalRecord,
  | "approvalId"
  | "status"
  | "decidedBy"
  | "decidedAt"
  | "decisionReason"
  | "author"
  | "changeReason"
  | "promotionJson"
> &
  Partial<Pick<ApprovalRecord, "author" | "changeReason" | "promotionJson">>;

const COLUMNS = `approval_id AS approvalId, change, sku, current_amount_minor AS currentAmountMinor,
  current_currency AS currentCurrency, proposed_amount_minor AS proposedAmountMinor,
  proposed_currency AS proposedCurrency, effective_from AS effectiveFrom, effective_to AS effectiveTo,
  reason, source, feed_sequence AS feedSequence, author, change_reason AS changeReason,
  promotion_json AS promotionJson, status, decided_by AS decidedBy, decided_at AS decidedAt,
  decision_reason AS decisionReason, created_at AS createdAt`;

/** Price changes held by a guard rail, waiting for an ops or manager decision. */
export function approvalStore(db: Db) {
  const sql = db.$client;
  const insert = sql.prepare(
    `INSERT INTO approvals (approval_id, change, sku, current_amount_minor, current_currency, proposed_amount_minor,
       proposed_currency, effective_from, effective_to, reason, source, feed_sequence, author, change_reason,
       promotion_json, status, created_at)
     VALUES (@approvalId, @change, @sku, @currentAmountMinor, @currentCurrency, @proposedAmountMinor,
       @proposedCurrency, @effectiveFrom, @effectiveTo, @reason, @source, @feedSequence, @author, @changeReason,
       @promotionJson, 'pending', @createdAt)`,
  );
  // A new price for a SKU makes an older held price for it moot; a held promotion is not a price and
  // waits for its own decision (it applies on top of whatever the price then is).
  const supersede = sql.prepare(
    `UPDATE approvals SET status = 'superseded', decided_at = ?, decision_reason = ?
     WHERE sku = ? AND status = 'pending' AND change != 'promotion'`,
  );
  const pending = sql.prepare<[], { sku: string }>(
    "SELECT DISTINCT sku FROM approvals WHERE status = 'pending'",
  );
  const countPending = sql.prepare<[], { n: number }>(
    "SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending'",
  );
  const byId = sql.prepare<[string], ApprovalRecord>(
    `SELECT ${COLUMNS} FROM approvals WHERE approval_id = ?`,
  );
  const byStatus = sql.prepare<[string], ApprovalRecord>(
    `SELECT ${COLUMNS} FROM approvals WHERE status = ? ORDER BY created_at, approval_id`,
  );
  // When the newest approved price (a feed row or a staff price, not a promotion) took effect.
  const lastApproved = sql.prepare<[string, number], { at: number | null }>(
    `SELECT MAX(COALESCE(effective_from, decided_at)) AS at FROM approvals
     WHERE sku = ? AND status = 'approved' AND change != 'promotion' AND COALESCE(effective_from, decided_at) <= ?`,
  );
  const decide = sql.prepare(
    `UPDATE approvals SET status = @status, decided_by = @by, decided_at = @at, decision_reason = @reason
     WHERE approval_id = @approvalId AND status = 'pending'`,
  );

  return {
    /** Hold a change; a held price supersedes any older pending price for the same SKU. */
    hold(a: HoldRequest): string {
      const approvalId = randomUUID();
      if (a.change !== "promotion") supersede.run(a.createdAt, `superseded by approval ${approvalId}`, a.sku);
      insert.run({ author: null, changeReason: null, promotionJson: null, ...a, approvalId });
      return approvalId;
    },
    /** A later price for the SKU went through: older held changes no longer apply. */
    supersedeFor(sku: string, at: number, why: string): number {
      return supersede.run(at, why, sku).changes;
    },
    pendingCount: (): number => countPending.get()?.n ?? 0,
    /**
     * The instant from which the newest price a person approved for `sku` (at or before `at`) is in
     * force; null when none was. The cumulative guard rail looks back no further: what an approver
     * has seen and accepted is the new baseline, not a cut still to be counted.
     */
    lastApprovedPriceAt(sku: string, at: number): number | null {
      return lastApproved.get(sku, at)?.at ?? null;
    },
    pendingSkus: (): Set<string> => new Set(pending.all().map((r) => r.sku)),
    get: (approvalId: string): ApprovalRecord | undefined => byId.get(approvalId),
    list: (status: ApprovalStatus = "pending"): ApprovalRecord[] => byStatus.all(status),
    /** Returns false when the approval is not (any longer) pending. */
    decide(
      approvalId: string,
      status: "approved" | "rejected",
      by: string,
      at: number,
      reason: string | null,
    ): boolean {
      return decide.run({ approvalId, status, by, at, reason }).changes > 0;
    },
  };
}
export type ApprovalStore = ReturnType<typeof approvalStore>;
