/**
 * The native JSON label protocol, device side. Labels that render themselves connect to a device
 * broker and speak it under a prefix (default `shelfsync-native/{storeId}`); topics come from
 * `deviceTopics(prefix)` in schemas/topics.ts.
 *
 *   {prefix}/{labelId}/hello    device → bridge, retained: `{ v:1, model?, width?, height?, colors? }`.
 *                               The label exists while it is there; an empty retained payload = it left.
 *   {prefix}/{labelId}/content  bridge → device, retained, QoS 1: the canonical LabelContent JSON as
 *                               the controller published it; empty = content cleared.
 *   {prefix}/{labelId}/state    device → bridge: a canonical label state `{ v:1, displayedHash, … }`,
 *                               sent once the panel shows something (or at wake-up).
 *   {prefix}/{labelId}/command  bridge → device, QoS 1, not retained: the canonical command JSON.
 *
 * A device compares the content's `contentHash` with what it shows and redraws only when they differ:
 * the bridge publishes the same content again after reconnects.
 */
import type { z } from "zod";
import { labelDescriptorSchema, protocolVersion } from "../../schemas/index.ts";

/** A label announcing itself; the same fields as a canonical label descriptor, without the id (it is in the topic). */
export const deviceHelloSchema = labelDescriptorSchema.omit({ labelId: true }).extend({ v: protocolVersion });
export type DeviceHello = z.infer<typeof deviceHelloSchema>;
