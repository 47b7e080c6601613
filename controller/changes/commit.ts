import type { ChangeNote } from "../../schemas/index.ts";
import type { LabelSync } from "../labels/label-sync.ts";
import type { AuditRecord } from "../store/audit.ts";
import type { Stores } from "../store/index.ts";
import { type Actor, actorLabel } from "./actor.ts";

export type { ChangeNote };

/** An audit entry as a change writes it; the instant and the actor are filled in by `commit`. */
export type AuditDraft = Omit<AuditRecord, "at" | "actor">;

/** What the write step of a change did, inside its transaction. */
export interface Written<T> {
  value: T;
  audit: AuditDraft[];
  /** SKUs whose labels may need new content. */
  skus?: Iterable<string>;
  /** Labels to recompute whatever their SKU (a link or unlink). */
  labels?: string[];
  notes?: ChangeNote[];
  /**
   * False when the change's author is told no notes (a Merchant Center batch's reply has none): the
   * review that would write them is then not run. It only writes notes: what the shelf shows, /sync
   * and the audit log's suppressed claims come from the label refresh, which runs either way.
   */
  wantsNotes?: boolean;
}

/** A committed change: its value, how many labels got new content, and notes for its author. */
export interface Applied<T> {
  value: T;
  labelsAffected: number;
  notes: ChangeNote[];
  /** Settles when the broker has acknowledged every content publish of the change. */
  delivered: Promise<void>;
}

export interface CommitDeps {
  stores: Pick<Stores, "transaction" | "audit">;
  sync: Pick<LabelSync, "refreshSkus" | "refreshLabels"> &
    Partial<Pick<LabelSync, "refreshSkusInTurns" | "refreshLabelsInTurns">>;
  /** The controller's clock: the instant a change is made at. */
  now: () => number;
  /**
   * Notes that depend on what the shelf shows after a change, asked for the SKUs the change touched
   * (e.g. a promotion accepted whose reduction claim the controller suppressed).
   */
  review?: (skus: ReadonlySet<string>, at: number) => ChangeNote[];
  /**
   * Runs the label refresh after the commit. The change is committed by then, so a database fault
   * while recording the new contents must not turn an applied change into an error reply (the client
   * would retry and be told its sequence was taken): the store's fault watch raises an alarm and
   * refreshes every label once the database takes writes again.
   */
  afterCommit?: (where: string, fn: () => void) => boolean;
}

export type Commit = <T>(actor: Actor, write: (now: number) => Written<T>, at?: number) => Applied<T>;

/**
 * A change written and audited (the transaction is over when this is returned, so a database fault
 * in it is thrown here, as by Commit) whose labels are refreshed in turns of the event loop:
 * `applied` settles once every label it touched has its new content recorded and handed to the broker.
 */
export interface Committing<T> {
  value: T;
  applied: Promise<Applied<T>>;
}

/**
 * Commit for a change that may touch most of the store's labels (a feed batch): the same write, the
 * same refresh and notes, but the refresh gives the event loop back between its chunks
 * (LabelSync.refreshSkusInTurns), so the first labels are acknowledging while the last are still
 * resolved. A change of one chunk or less is refreshed at once, as by Commit.
 */
export type CommitInTurns = <T>(
  actor: Actor,
  write: (now: number) => Written<T>,
  at?: number,
) => Committing<T>;

/**
 * The one path of every change: write it and its audit entries in one transaction (nothing
 * half-applied: the audit entry exists exactly when the change does), then bring the labels it
 * touched up to date, then collect what its author should be told.
 */
export function committer(deps: CommitDeps): Commit {
  const record = recorder(deps);
  return (actor, write, at) => {
    const { now, written, skus } = record(actor, write, at);
    let labelsAffected = 0;
    const delivered: Promise<void>[] = [];
    const refresh = () => {
      if (skus.size > 0) {
        const r = deps.sync.refreshSkus(skus, now);
        labelsAffected += r.changed;
        delivered.push(r.delivered);
      }
      if (written.labels && written.labels.length > 0) {
        const r = deps.sync.refreshLabels(written.labels, now);
        labelsAffected += r.changed;
        delivered.push(r.delivered);
      }
    };
    if (deps.afterCommit) deps.afterCommit(REFRESH_WHERE, refresh);
    else refresh();
    return applied(deps, written, skus, now, labelsAffected, delivered);
  };
}

/** See CommitInTurns. Needs the sync's refresh in turns (LabelSync has it). */
export function committerInTurns(deps: CommitDeps): CommitInTurns {
  const record = recorder(deps);
  const { refreshSkusInTurns, refreshLabelsInTurns } = deps.sync;
  if (!refreshSkusInTurns || !refreshLabelsInTurns) {
    // A sync without turns (a test's stand-in): the synchronous refresh, already settled.
    const commit = committer(deps);
    return (actor, write, at) => {
      const a = commit(actor, write, at);
      return { value: a.value, applied: Promise.resolve(a) };
    };
  }
  const afterCommit = deps.afterCommit;
  return (actor, write, at) => {
    const { now, written, skus } = record(actor, write, at);
    // Each chunk's writes go through the fault watch, as a synchronous refresh's do as a whole; a
    // refused one ends the refresh (the watch refreshes every label once writes go through again).
    let refused = false;
    const guard = (fn: () => void) => {
      if (!afterCommit) fn();
      else if (!afterCommit(REFRESH_WHERE, fn)) refused = true;
      return !refused;
    };
    const refresh = async () => {
      let labelsAffected = 0;
      const delivered: Promise<void>[] = [];
      if (skus.size > 0) {
        const r = await refreshSkusInTurns(skus, now, guard);
        labelsAffected += r.changed;
        delivered.push(r.delivered);
      }
      if (!refused && written.labels && written.labels.length > 0) {
        const r = await refreshLabelsInTurns(written.labels, now, guard);
        labelsAffected += r.changed;
        delivered.push(r.delivered);
      }
      return applied(deps, written, skus, now, labelsAffected, delivered);
    };
    return { value: written.value, applied: refresh() };
  };
}

const REFRESH_WHERE = "label refresh after a change";

/** The write step shared by both committers: the change and its audit entries in one transaction. */
function recorder(deps: CommitDeps) {
  return <T>(actor: Actor, write: (now: number) => Written<T>, at: number | undefined) => {
    const now = at ?? deps.now();
    const who = actorLabel(actor);
    const written = deps.stores.transaction(() => {
      const w = write(now);
      for (const entry of w.audit) deps.stores.audit.record({ ...entry, at: now, actor: who });
      return w;
    });
    // A batch's set of changed SKUs (100,000 for a full price feed) is read as it is, not copied.
    const skus: ReadonlySet<string> =
      written.skus instanceof Set ? written.skus : new Set(written.skus ?? []);
    return { now, written, skus };
  };
}

/** A committed and refreshed change, with the notes for its author. */
function applied<T>(
  deps: CommitDeps,
  written: Written<T>,
  skus: ReadonlySet<string>,
  now: number,
  labelsAffected: number,
  delivered: Promise<void>[],
): Applied<T> {
  const reviewed = skus.size > 0 && written.wantsNotes !== false;
  const notes = [...(written.notes ?? []), ...(reviewed ? (deps.review?.(skus, now) ?? []) : [])];
  return {
    value: written.value,
    labelsAffected,
    notes,
    delivered: Promise.all(delivered).then(() => undefined),
  };
}

/** The notes of a change as a reply field: `{ notes }` when there are any, else nothing. */
export const replyNotes = (a: Pick<Applied<unknown>, "notes">): { notes?: ChangeNote[] } =>
  a.notes.length > 0 ? { notes: a.notes } : {};
