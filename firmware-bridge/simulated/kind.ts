import { z } from "zod";
import { intOption, numberOption, parseOptions } from "../cli-options.ts";
import type { BridgeKind } from "../kinds.ts";
import { createSimulatedAdapter } from "./adapter.ts";
import { simulatedBridgeIdSchema } from "./options.ts";
import { DEFAULT_SIMULATED_BRIDGE_ID } from "./start.ts";

const flagsSchema = z.object({
  labels: intOption(1, 99_999).default(24),
  "radio-delay-ms": intOption(0, 600_000).optional(),
  "radio-jitter-ms": intOption(0, 600_000).optional(),
  "failure-rate": numberOption(0, 1).optional(),
  "check-in-seconds": numberOption(0.05, 86_400).optional(),
  "max-concurrent-applies": intOption(1, 100_000).optional(),
  seed: intOption(-(2 ** 31), 2 ** 32 - 1).optional(),
});

export const simulatedKind: BridgeKind = {
  summary: "a virtual access point with a fleet of simulated labels (demos, tests, load)",
  defaultBridgeId: DEFAULT_SIMULATED_BRIDGE_ID,
  flags: {
    labels: { type: "string", placeholder: "N", description: "number of virtual labels (default 24)" },
    "radio-delay-ms": {
      type: "string",
      placeholder: "MS",
      description: "time one image takes over the air (default 800)",
    },
    "radio-jitter-ms": {
      type: "string",
      placeholder: "MS",
      description: "± spread of that time (default a quarter of it)",
    },
    "failure-rate": {
      type: "string",
      placeholder: "P",
      description: "share of images not acknowledged, 0…1 (default 0.02)",
    },
    "check-in-seconds": {
      type: "string",
      placeholder: "S",
      description: "each label reports its state this often (default 60)",
    },
    "max-concurrent-applies": {
      type: "string",
      placeholder: "N",
      description: "radio transfers at once (default unlimited)",
    },
    seed: {
      type: "string",
      placeholder: "N",
      description: "fix the fleet's randomness for a reproducible run",
    },
  },
  createAdapter(flags, _env, common) {
    const options = parseOptions(flagsSchema, flags, (key) => `--${key}`);
    parseOptions(
      z.object({ "bridge-id": simulatedBridgeIdSchema }),
      { "bridge-id": common.bridgeId },
      () => "--bridge-id",
    );
    return createSimulatedAdapter({
      bridgeId: common.bridgeId,
      labels: options.labels,
      radioDelayMs: options["radio-delay-ms"],
      radioJitterMs: options["radio-jitter-ms"],
      failureRate: options["failure-rate"],
      checkInSeconds: options["check-in-seconds"],
      maxConcurrentApplies: options["max-concurrent-applies"],
      seed: options.seed,
    });
  },
};
