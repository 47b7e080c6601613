import {
  type Availability,
  type BridgeLabels,
  bridgeLabelsSchema,
  describeIssues,
  type LabelDescriptor,
  type LabelImage,
  type LabelState,
  labelImageSchema,
  labelStateSchema,
  PROTOCOL_VERSION,
  plainLabelState,
} from "../../schemas/index.ts";
import type { LabelStateReport } from "./adapter.ts";

/**
 * What the bridge publishes, built and validated once: an adapter's report that does not match the
 * protocol is refused here (with the field and reason) rather than sent to the controller.
 */

export type Checked = { ok: true; payload: string } | { ok: false; problems: string };

/** `bridge/{id}/status`: online/offline, with `ts` except in the Last Will (registered long before). */
export function availabilityPayload(state: Availability["state"], withTs: boolean): string {
  const payload: Availability = { v: PROTOCOL_VERSION, state, ...(withTs ? { ts: Date.now() } : {}) };
  return JSON.stringify(payload);
}

/** `label/{id}/state` from an adapter's report: `v` added, `ts` now unless the adapter observed it earlier. */
export function statePayload(report: LabelStateReport): Checked {
  const state = { v: PROTOCOL_VERSION, ...report, ts: report.ts ?? Date.now() };
  // One per label in a reprice: a plainly valid report skips zod (schemas/mqtt-fast.ts), keys in the
  // schema's order as zod would give them; anything else is zod's to judge and to explain.
  const plain = plainLabelState(state);
  if (plain !== undefined) return { ok: true, payload: JSON.stringify(inSchemaOrder(plain)) };
  const checked = labelStateSchema.safeParse(state);
  return checked.success
    ? { ok: true, payload: JSON.stringify(checked.data) }
    : { ok: false, problems: describeIssues(checked.error) };
}

/** A state with its keys in labelStateSchema's order (the payload's bytes as zod's output gave them). */
function inSchemaOrder(s: LabelState): LabelState {
  const out: LabelState = { v: s.v, displayedHash: s.displayedHash };
  if (s.version !== undefined) out.version = s.version;
  if (s.battery !== undefined) out.battery = s.battery;
  if (s.rssi !== undefined) out.rssi = s.rssi;
  if (s.ts !== undefined) out.ts = s.ts;
  return out;
}

/** `label/{id}/image`, or why the adapter's image is not one. */
export function imagePayload(image: LabelImage): Checked {
  const checked = labelImageSchema.safeParse(image);
  return checked.success
    ? { ok: true, payload: JSON.stringify(image) }
    : { ok: false, problems: describeIssues(checked.error) };
}

/** `bridge/{id}/labels`: the adapter's labels as the inventory. */
export function inventoryPayload(
  bridgeId: string,
  kind: string,
  labels: readonly LabelDescriptor[],
): Checked {
  const inventory: BridgeLabels = { v: PROTOCOL_VERSION, bridgeId, kind, labels: [...labels] };
  const checked = bridgeLabelsSchema.safeParse(inventory);
  return checked.success
    ? { ok: true, payload: JSON.stringify(checked.data) }
    : { ok: false, problems: describeIssues(checked.error) };
}
