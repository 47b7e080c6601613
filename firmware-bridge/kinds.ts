import { bitmapKind } from "./bitmap/kind.ts";
import type { BridgeAdapter, Logger } from "./core/index.ts";
import { nativeKind } from "./native/kind.ts";
import { oeplKind } from "./oepl/kind.ts";
import { simulatedKind } from "./simulated/kind.ts";

/** One command-line flag of a bridge kind (parsed with node:util parseArgs, values arrive as strings). */
export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  /** Shown in --help, e.g. "N" or "URL". */
  placeholder?: string;
  description: string;
}

export type RawFlags = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What every kind gets from main.ts, already validated. */
export interface CommonBridgeSettings {
  mqttUrl: string;
  storeId: string;
  bridgeId: string;
  logger: Logger;
}

/** A device family the CLI can run: `npm run bridge -- <kind> [options]`. */
export interface BridgeKind {
  summary: string;
  defaultBridgeId: string;
  /** This kind's own flags; --mqtt-url, --store-id, --bridge-id, --log-level and --help are common. */
  flags: Record<string, FlagSpec>;
  /**
   * Validate this kind's flags (and its own environment variables) and build the adapter. Throw a
   * CliUsageError (see cli-options.ts `parseOptions`) for a bad value: it becomes a one-line error, exit 2.
   */
  createAdapter(
    flags: RawFlags,
    env: NodeJS.ProcessEnv,
    common: CommonBridgeSettings,
  ): Promise<BridgeAdapter> | BridgeAdapter;
}

/**
 * Every kind the CLI knows; a new device family registers here. `oepl` reads `--ap <url>`
 * (repeatable) or SHELFSYNC_OEPL_AP (comma-separated).
 */
export const BRIDGE_KINDS: Record<string, BridgeKind> = {
  simulated: simulatedKind,
  oepl: oeplKind,
  native: nativeKind,
  bitmap: bitmapKind,
};
