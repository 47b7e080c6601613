import { z } from "zod";
import { CliUsageError, flagOrEnvList, intOption, numberOption, parseOptions } from "../cli-options.ts";
import type { BridgeKind, RawFlags } from "../kinds.ts";
import { OeplBridgeAdapter } from "./bridge-adapter.ts";

export const DEFAULT_OEPL_BRIDGE_ID = "oepl";
export const OEPL_AP_ENV = "SHELFSYNC_OEPL_AP";

/** `http://192.168.1.40`, or a bare `192.168.1.40[:port]` (the AP serves plain HTTP on port 80). */
export function parseApUrl(value: string): string | undefined {
  const text = value.trim();
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${text}`;
  if (!URL.canParse(withScheme)) return undefined;
  const url = new URL(withScheme);
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (!url.hostname || url.search || url.hash) return undefined;
  return url.toString().replace(/\/+$/, "");
}

const flagsSchema = z.object({
  "poll-seconds": numberOption(1, 3_600).optional(),
  dither: intOption(0, 2).optional(),
  battery: z.enum(["coin", "aa"], { message: "must be coin or aa" }).optional(),
});

function apList(flags: RawFlags, env: NodeJS.ProcessEnv): string[] {
  const { values: raw, source } = flagOrEnvList(flags, "ap", env, OEPL_AP_ENV);
  if (raw.length === 0) {
    throw new CliUsageError(`--ap: give the access point's URL (repeatable), or set ${OEPL_AP_ENV}`);
  }
  return raw.map((value) => {
    const url = parseApUrl(value);
    if (!url)
      throw new CliUsageError(`${source}: must be an http URL such as http://192.168.1.40 (got "${value}")`);
    return url;
  });
}

export const oeplKind: BridgeKind = {
  summary: "drives OpenEPaperLink access points over their HTTP API (tags become labels by MAC)",
  defaultBridgeId: DEFAULT_OEPL_BRIDGE_ID,
  flags: {
    ap: {
      type: "string",
      multiple: true,
      placeholder: "URL",
      description: `access point, repeatable (default from ${OEPL_AP_ENV}, comma-separated)`,
    },
    "poll-seconds": {
      type: "string",
      placeholder: "S",
      description: "full /get_db poll of every AP this often (default 10)",
    },
    dither: {
      type: "string",
      placeholder: "N",
      description: "dither the AP applies: 0 off (default), 1 Floyd-Steinberg, 2 ordered",
    },
    battery: {
      type: "string",
      placeholder: "KIND",
      description: "cells in the tags, for battery percent: coin (default) or aa",
    },
  },
  createAdapter(flags, env) {
    const aps = apList(flags, env);
    const options = parseOptions(flagsSchema, flags, (key) => `--${key}`);
    return new OeplBridgeAdapter({
      aps,
      ...(options["poll-seconds"] !== undefined ? { pollIntervalMs: options["poll-seconds"] * 1000 } : {}),
      ...(options.dither !== undefined ? { dither: options.dither as 0 | 1 | 2 } : {}),
      ...(options.battery !== undefined ? { battery: { chemistry: options.battery } } : {}),
    });
  },
};
