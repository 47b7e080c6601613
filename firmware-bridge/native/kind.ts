import { z } from "zod";
import { defaultDevicePrefix, devicePrefixProblem } from "../../schemas/index.ts";
import { flagOrEnv, parseOptions } from "../cli-options.ts";
import type { BridgeKind } from "../kinds.ts";
import { NativeBridgeAdapter } from "./adapter.ts";

export const DEFAULT_NATIVE_BRIDGE_ID = "native";
export const NATIVE_DEVICE_URL_ENV = "SHELFSYNC_NATIVE_DEVICE_URL";
export const NATIVE_DEVICE_PREFIX_ENV = "SHELFSYNC_NATIVE_DEVICE_PREFIX";

const optionsSchema = z.object({
  "device-url": z
    .string()
    .refine((value) => URL.canParse(value) && /^(mqtts?|wss?|tcp|ssl):$/.test(new URL(value).protocol), {
      message: "must be a broker URL such as mqtt://127.0.0.1:1883",
    }),
  "device-prefix": z.string().superRefine((value, ctx) => {
    const problem = devicePrefixProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
});

export const nativeKind: BridgeKind = {
  summary: "labels that render themselves: content relayed unchanged over their own MQTT topics",
  defaultBridgeId: DEFAULT_NATIVE_BRIDGE_ID,
  flags: {
    "device-url": {
      type: "string",
      placeholder: "URL",
      description: `the labels' broker (default: the store broker) [${NATIVE_DEVICE_URL_ENV}]`,
    },
    "device-prefix": {
      type: "string",
      placeholder: "TOPIC",
      description: `the labels' topic prefix (default shelfsync-native/{storeId}) [${NATIVE_DEVICE_PREFIX_ENV}]`,
    },
  },
  createAdapter(flags, env, common) {
    const url = flagOrEnv(flags, "device-url", env, NATIVE_DEVICE_URL_ENV);
    const prefix = flagOrEnv(flags, "device-prefix", env, NATIVE_DEVICE_PREFIX_ENV);
    const options = parseOptions(
      optionsSchema,
      {
        "device-url": url.value ?? common.mqttUrl,
        "device-prefix": prefix.value ?? defaultDevicePrefix(common.storeId),
      },
      (key) => (key === "device-url" ? url.source : prefix.source),
    );
    return new NativeBridgeAdapter({
      deviceUrl: options["device-url"],
      devicePrefix: options["device-prefix"],
    });
  },
};
