import type { LabelSync } from "../labels/label-sync.ts";
import type { LabelRecord, LabelStore } from "../store/labels.ts";
import type { Actor } from "./actor.ts";
import type { Applied, Commit } from "./commit.ts";

/** Which product a label shows. A link or unlink publishes (or clears) the label's content at once. */
export function linkChanges(deps: {
  commit: Commit;
  labels: LabelStore;
  sync: Pick<LabelSync, "clearRetained">;
}) {
  const { commit, labels } = deps;
  const setLink = (labelId: string, sku: string | null, actor: Actor): Applied<string> =>
    commit(actor, () => {
      const before = labels.get(labelId)?.sku ?? null;
      labels.setLink(labelId, sku);
      return {
        value: labelId,
        labels: [labelId],
        audit:
          before === sku
            ? []
            : [
                {
                  action: sku === null ? "label.unlinked" : "label.linked",
                  entity: "label",
                  entityId: labelId,
                  before: { sku: before },
                  after: { sku },
                },
              ],
      };
    });
  return {
    /** The caller checks that the label and the product exist. */
    linkLabel: (labelId: string, sku: string, actor: Actor) => setLink(labelId, sku, actor),
    unlinkLabel: (labelId: string, actor: Actor) => setLink(labelId, null, actor),

    /**
     * Give a label to another bridge (it was moved to another access point, or a bridge was
     * replaced): from now on only that bridge's inventory and states count for it.
     */
    moveLabel: (labelId: string, bridgeId: string, actor: Actor): Applied<string> =>
      commit(actor, () => {
        const before = labels.owner(labelId) ?? null;
        labels.setOwner(labelId, bridgeId);
        return {
          value: labelId,
          audit:
            before === bridgeId
              ? []
              : [
                  {
                    action: "label.moved",
                    entity: "label",
                    entityId: labelId,
                    before: { bridgeId: before },
                    after: { bridgeId },
                  },
                ],
        };
      }),

    /**
     * Forget a label (one a stray message created, one taken off the shelf): its row goes, and its
     * retained content is cleared so no device picks it up. A bridge that announces it again
     * registers it anew, unlinked.
     */
    removeLabel(label: LabelRecord, actor: Actor): Applied<string> {
      const applied = commit(actor, () => {
        labels.remove(label.labelId);
        return {
          value: label.labelId,
          audit: [
            {
              action: "label.removed",
              entity: "label",
              entityId: label.labelId,
              before: { sku: label.sku, model: label.model, bridgeId: label.bridgeId },
            },
          ],
        };
      });
      const cleared =
        label.contentHash === null ? Promise.resolve() : deps.sync.clearRetained([label.labelId]);
      return { ...applied, delivered: Promise.all([applied.delivered, cleared]).then(() => undefined) };
    },
  };
}
