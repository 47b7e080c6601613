import type { Logger } from "../log.ts";
import type { ContentPublish } from "../mqtt/controller-link.ts";
import type { LabelStore } from "../store/labels.ts";

/** Foreign contents are logged at most this often (a client in a loop must not flood the log). */
const LOG_EVERY_MS = 10_000;

/**
 * Keeps the broker's retained label contents equal to what the controller published. A content on
 * the broker that differs byte for byte from the label's recorded content (a stale broker, a client
 * that published where the broker let it) is overwritten with the recorded one, or cleared when the
 * label should show nothing (or is not a label of this store). Byte equality, not the hash inside:
 * a forged content may carry the real hash beside another price.
 *
 * Our own publishes come back too while the link watches contents: they match and cost one point
 * read each. One of ours overtaken by a newer change (two reprices back to back) no longer matches
 * and is republished once more, which is harmless: the newer one was on its way anyway.
 */
export function contentGuard(deps: {
  labels: Pick<LabelStore, "get">;
  publish: (items: ContentPublish[]) => Promise<unknown>;
  log: Logger;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  let overwritten = 0;
  let unlogged = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  return {
    /** A content seen on the broker (an empty payload: none retained). */
    check(labelId: string, payload: Buffer): void {
      const recorded = deps.labels.get(labelId)?.contentJson ?? null;
      if (recorded === null ? payload.length === 0 : payload.equals(Buffer.from(recorded))) return;
      overwritten++;
      unlogged++;
      void deps.publish([[labelId, recorded]]);
      if (now() - loggedAt >= LOG_EVERY_MS) {
        deps.log.warn("a label content on the broker was not the controller's; overwritten", {
          labelId,
          since: unlogged,
        });
        loggedAt = now();
        unlogged = 0;
      }
    },
    /** Foreign contents overwritten since start (tests, metrics). */
    overwritten: () => overwritten,
  };
}
export type ContentGuard = ReturnType<typeof contentGuard>;
