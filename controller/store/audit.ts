import type { Db } from "./db.ts";

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
}

/** One entry as it is written: who did what to which entity, why, and the entity before and after. */
export interface AuditRecord {
  at: number;
  actor: string;
  action: string;
  entity: string;
  entityId?: string | null;
  reason?: string | null;
  before?: unknown;
  after?: unknown;
}

/** The append-only audit log (the database refuses UPDATE and DELETE on it; see migration 0002). */
export function auditStore(db: Db) {
  const sql = db.$client;
  const insert = sql.prepare(
    `INSERT INTO audit_log (at, actor, action, entity, entity_id, reason, before_json, after_json)
     VALUES (@at, @actor, @action, @entity, @entityId, @reason, @before, @after)`,
  );
  const recent = sql.prepare<
    [
      {
        entity: string | null;
        entityId: string | null;
        action: string | null;
        actor: string | null;
        since: number | null;
        until: number | null;
        beforeId: number | null;
        limit: number;
      },
    ],
    Omit<AuditEntry, "before" | "after"> & { beforeJson: string | null; afterJson: string | null }
  >(
    // Newest first, paged by id (`beforeId` = the last id of the previous page). `actor` matches the
    // recorded actor whole or its name without the role suffix (`Anna K` finds `Anna K (staff)`).
    `SELECT id, at, actor, action, entity, entity_id AS entityId, reason, before_json AS beforeJson, after_json AS afterJson
     FROM audit_log WHERE (@entity IS NULL OR entity = @entity) AND (@entityId IS NULL OR entity_id = @entityId)
       AND (@action IS NULL OR action = @action)
       AND (@actor IS NULL OR actor = @actor OR substr(actor, 1, length(@actor) + 2) = @actor || ' (')
       AND (@since IS NULL OR at >= @since) AND (@until IS NULL OR at < @until)
       AND (@beforeId IS NULL OR id < @beforeId)
     ORDER BY id DESC LIMIT @limit`,
  );
  return {
    record(e: AuditRecord): void {
      insert.run({
        at: e.at,
        actor: e.actor,
        action: e.action,
        entity: e.entity,
        entityId: e.entityId ?? null,
        reason: e.reason ?? null,
        before: e.before === undefined ? null : JSON.stringify(e.before),
        after: e.after === undefined ? null : JSON.stringify(e.after),
      });
    },
    list(
      filter: {
        entity?: string | undefined;
        entityId?: string | undefined;
        action?: string | undefined;
        actor?: string | undefined;
        since?: number | undefined;
        until?: number | undefined;
        beforeId?: number | undefined;
        limit?: number | undefined;
      } = {},
    ): AuditEntry[] {
      return recent
        .all({
          entity: filter.entity ?? null,
          entityId: filter.entityId ?? null,
          action: filter.action ?? null,
          actor: filter.actor ?? null,
          since: filter.since ?? null,
          until: filter.until ?? null,
          beforeId: filter.beforeId ?? null,
          limit: Math.min(filter.limit ?? 100, 1000),
        })
        .map(({ beforeJson, afterJson, ...rest }) => ({
          ...rest,
          before: beforeJson === null ? null : JSON.parse(beforeJson),
          after: afterJson === null ? null : JSON.parse(afterJson),
        }));
    },
  };
}
export type AuditStore = ReturnType<typeof auditStore>;
