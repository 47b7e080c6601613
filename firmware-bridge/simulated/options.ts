import { z } from "zod";
import { idSchema } from "../../schemas/index.ts";

/** A label id is `{bridgeId}-{5 digits}` and must stay a valid 64-character id. */
export const simulatedBridgeIdSchema = idSchema.refine((id) => id.length <= 58, {
  message: "must be at most 58 characters (label ids append -NNNNN)",
});

/** The simulated fleet's knobs, with the defaults a demo wants. */
export const simulatedFleetSchema = z.object({
  bridgeId: simulatedBridgeIdSchema,
  labels: z.number().int().min(1, "must be at least 1").max(99_999, "must be at most 99999").default(24),
  /** Time one image takes over the air, ms. */
  radioDelayMs: z.number().min(0, "must be 0 or more").max(600_000).default(800),
  /** Uniform ± spread around the radio delay, ms; a quarter of the delay unless told. */
  radioJitterMs: z.number().min(0, "must be 0 or more").max(600_000).optional(),
  /** Share of applies the label does not acknowledge (0…1). */
  failureRate: z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(0.02),
  /** Each label reports its state once per interval, spread across it. */
  checkInSeconds: z.number().min(0.05, "must be at least 0.05").max(86_400).default(60),
  maxConcurrentApplies: z.number().int().min(1).optional(),
  /** Fixes the fleet's randomness (battery, signal, jitter, failures) for a reproducible run. */
  seed: z.number().int().optional(),
});
export type SimulatedFleetOptions = z.input<typeof simulatedFleetSchema>;
export type SimulatedFleetConfig = z.output<typeof simulatedFleetSchema>;
