import type { Db } from "./db.ts";

/** A linked label as the audit reads it: what was published to it and what it says it displays. */
export interface AuditLabel {
  labelId: string;
  sku: string;
  contentHash: string | null;
  recentHashes: string | null;
  displayedHash: string | null;
}

export interface KeptContent {
  shownJson: string;
  netQuantity: string | null;
  unit: string | null;
}

export interface AuditRow {
  auditId: number;
  at: number;
  storeCode: string;
  status: string;
  error: string | null;
  sourceJson: string;
  compared: number;
  atParity: number;
  mismatched: number;
  notOnline: number;
  finishedAt: number | null;
}

export interface MismatchRow {
  sku: string;
  reason: string;
  labelIdsJson: string;
  onlineJson: string | null;
  shelfJson: string | null;
  since: number;
}

/** How many audits are kept with their mismatches (older ones are dropped when a new one is stored). */
export const AUDITS_KEPT = 20;

/**
 * Parity audits and what they read of the labels: SQL for controller/parity. Label contents by hash
 * (`label_contents`) are written by the label store on publish and pruned here.
 */
export function parityStore(db: Db) {
  const sql = db.$client;
  const linked = sql.prepare<[], AuditLabel>(
    `SELECT label_id AS labelId, sku, content_hash AS contentHash, recent_hashes AS recentHashes,
       displayed_hash AS displayedHash FROM labels WHERE sku IS NOT NULL ORDER BY sku, label_id`,
  );
  const kept = sql.prepare<[], KeptContent & { contentHash: string }>(
    `SELECT content_hash AS contentHash, shown_json AS shownJson, net_quantity AS netQuantity, unit
     FROM label_contents ORDER BY id`,
  );
  // label_contents has no index on the hash (store/schema.ts): the hashes go in one scan.
  const dropKept = sql.prepare(
    "DELETE FROM label_contents WHERE content_hash IN (SELECT value FROM json_each(?))",
  );
  // A hash kept twice (a label relinked to a product other labels show: each setContents call keeps
  // its own row): a copy no label's content names goes, the first row of each hash stays.
  const dropCopies = sql.prepare(
    `DELETE FROM label_contents WHERE id NOT IN (SELECT content_id FROM labels WHERE content_id IS NOT NULL)
       AND id NOT IN (SELECT MIN(id) FROM label_contents GROUP BY content_hash)`,
  );

  const AUDIT_COLUMNS = `audit_id AS auditId, at, store_code AS storeCode, status, error, source_json AS sourceJson,
    compared, at_parity AS atParity, mismatched, not_online AS notOnline, finished_at AS finishedAt`;
  const insertAudit = sql.prepare(
    "INSERT INTO parity_audits (at, store_code, status, source_json) VALUES (?, ?, 'running', ?)",
  );
  const finish = sql.prepare(
    `UPDATE parity_audits SET status = 'done', source_json = ?, compared = ?, at_parity = ?, mismatched = ?,
       not_online = ?, finished_at = ? WHERE audit_id = ?`,
  );
  const fail = sql.prepare(
    "UPDATE parity_audits SET status = 'failed', error = ?, finished_at = ? WHERE audit_id = ?",
  );
  const byId = sql.prepare<[number], AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM parity_audits WHERE audit_id = ?`,
  );
  const latestDone = sql.prepare<[], AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM parity_audits WHERE status = 'done' ORDER BY audit_id DESC LIMIT 1`,
  );
  const previousDone = sql.prepare<[number], { auditId: number }>(
    "SELECT audit_id AS auditId FROM parity_audits WHERE status = 'done' AND audit_id < ? ORDER BY audit_id DESC LIMIT 1",
  );
  const sinceOf = sql.prepare<[number], { sku: string; reason: string; since: number }>(
    "SELECT sku, reason, since FROM parity_mismatches WHERE audit_id = ?",
  );
  const insertMismatch = sql.prepare(
    `INSERT INTO parity_mismatches (audit_id, sku, reason, label_ids_json, online_json, shelf_json, since)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const MISMATCH_COLUMNS = `sku, reason, label_ids_json AS labelIdsJson, online_json AS onlineJson,
    shelf_json AS shelfJson, since`;
  const mismatchesAll = sql.prepare<[number, number], MismatchRow>(
    `SELECT ${MISMATCH_COLUMNS} FROM parity_mismatches WHERE audit_id = ? ORDER BY sku, reason LIMIT ?`,
  );
  const mismatchesByReason = sql.prepare<[number, string, number], MismatchRow>(
    `SELECT ${MISMATCH_COLUMNS} FROM parity_mismatches WHERE audit_id = ? AND reason = ? ORDER BY sku LIMIT ?`,
  );
  const countsByReason = sql.prepare<[number], { reason: string; n: number }>(
    "SELECT reason, COUNT(*) AS n FROM parity_mismatches WHERE audit_id = ? GROUP BY reason",
  );
  const countAll = sql.prepare<[number], { n: number }>(
    "SELECT COUNT(*) AS n FROM parity_mismatches WHERE audit_id = ?",
  );
  const countByReason = sql.prepare<[number, string], { n: number }>(
    "SELECT COUNT(*) AS n FROM parity_mismatches WHERE audit_id = ? AND reason = ?",
  );
  const oldAudits = sql.prepare<[number], { auditId: number }>(
    "SELECT audit_id AS auditId FROM parity_audits ORDER BY audit_id DESC LIMIT -1 OFFSET ?",
  );
  const dropAuditMismatches = sql.prepare("DELETE FROM parity_mismatches WHERE audit_id = ?");
  const dropAudit = sql.prepare("DELETE FROM parity_audits WHERE audit_id = ?");
  const failRunning = sql.prepare(
    "UPDATE parity_audits SET status = 'failed', error = ?, finished_at = ? WHERE status = 'running'",
  );

  return {
    /** Every linked label, grouped by SKU (ordered by SKU). */
    linkedLabels: (): AuditLabel[] => linked.all(),
    /** Every kept content, by hash. */
    keptContents(): Map<string, KeptContent> {
      const out = new Map<string, KeptContent>();
      // The first row of a hash kept twice (the same shown content, kept when it was first published).
      for (const r of kept.iterate()) if (!out.has(r.contentHash)) out.set(r.contentHash, r);
      return out;
    },

    /**
     * Forget kept contents by hash (those no linked label names any more: the audit knows which), and
     * the copies of a hash kept twice that no label's content names.
     */
    dropContents(hashes: string[]): void {
      sql.transaction(() => {
        if (hashes.length > 0) dropKept.run(JSON.stringify(hashes));
        dropCopies.run();
      })();
    },

    startAudit(at: number, storeCode: string, sourceJson: string): number {
      return Number(insertAudit.run(at, storeCode, sourceJson).lastInsertRowid);
    },

    /** (SKU, reason) → since, from the last finished audit before this one. */
    previousSince(auditId: number): Map<string, number> {
      const prev = previousDone.get(auditId);
      const out = new Map<string, number>();
      if (!prev) return out;
      for (const r of sinceOf.iterate(prev.auditId)) out.set(`${r.sku}\u0000${r.reason}`, r.since);
      return out;
    },

    /** Store an audit's outcome and its mismatches in one transaction; drop audits beyond AUDITS_KEPT. */
    finishAudit(
      auditId: number,
      outcome: {
        sourceJson: string;
        compared: number;
        atParity: number;
        mismatched: number;
        notOnline: number;
      },
      mismatches: Iterable<MismatchRow>,
      now: number,
    ): void {
      sql.transaction(() => {
        for (const m of mismatches) {
          insertMismatch.run(auditId, m.sku, m.reason, m.labelIdsJson, m.onlineJson, m.shelfJson, m.since);
        }
        finish.run(
          outcome.sourceJson,
          outcome.compared,
          outcome.atParity,
          outcome.mismatched,
          outcome.notOnline,
          now,
          auditId,
        );
        for (const old of oldAudits.all(AUDITS_KEPT)) {
          dropAuditMismatches.run(old.auditId);
          dropAudit.run(old.auditId);
        }
      })();
    },

    failAudit(auditId: number, error: string, now: number): void {
      fail.run(error, now, auditId);
    },

    /** Audits left `running` by a controller that stopped mid-way. */
    failInterrupted(now: number): void {
      failRunning.run("the controller stopped before the audit finished", now);
    },

    audit: (auditId: number): AuditRow | undefined => byId.get(auditId),
    latest: (): AuditRow | undefined => latestDone.get(),
    /** An audit's mismatches counted by reason (reasons without any are absent). */
    mismatchCounts(auditId: number): Map<string, number> {
      return new Map(countsByReason.all(auditId).map((r) => [r.reason, r.n]));
    },
    mismatches(auditId: number, limit: number, reason?: string): { rows: MismatchRow[]; total: number } {
      if (reason) {
        return {
          rows: mismatchesByReason.all(auditId, reason, limit),
          total: countByReason.get(auditId, reason)?.n ?? 0,
        };
      }
      return { rows: mismatchesAll.all(auditId, limit), total: countAll.get(auditId)?.n ?? 0 };
    },
  };
}
export type ParityStore = ReturnType<typeof parityStore>;
