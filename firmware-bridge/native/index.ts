export { createNativeAdapter, type NativeAdapterOptions, NativeBridgeAdapter } from "./adapter.ts";
export {
  DEFAULT_NATIVE_BRIDGE_ID,
  NATIVE_DEVICE_PREFIX_ENV,
  NATIVE_DEVICE_URL_ENV,
  nativeKind,
} from "./kind.ts";
