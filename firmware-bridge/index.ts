/** The firmware-bridge package's public surface: the runtime, the kinds registry and the simulated AP. */

export { CliUsageError, intOption, numberOption, parseOptions } from "./cli-options.ts";
export * from "./core/index.ts";
export {
  BRIDGE_KINDS,
  type BridgeKind,
  type CommonBridgeSettings,
  type FlagSpec,
  type RawFlags,
} from "./kinds.ts";
export * from "./simulated/index.ts";
