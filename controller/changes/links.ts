import type { LabelStore } from "../store/labels.ts";
import type { Actor } from "./actor.ts";
import type { Applied, Commit } from "./commit.ts";

/** Which product a label shows. A link or unlink publishes (or clears) the label's content at once. */
export function linkChanges(deps: { commit: Commit; labels: LabelStore }) {
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
  };
}
