export { type BackoffOptions, backoffDelay } from "../../lib/backoff.ts";
export type { ApplyResult, BridgeAdapter, BridgeContext, LabelStateReport } from "./adapter.ts";
export { type ApplyQueueOptions, type ApplyQueueStats, LatestApplyQueue } from "./apply-queue.ts";
export { createConsoleLogger, type LogFields, type Logger, type LogLevel, silentLogger } from "./logger.ts";
export { type Decoded, decodeJson, describeProblems, type PayloadProblem } from "./payloads.ts";
export { type BridgeHandle, type BridgeStats, type StartBridgeOptions, startBridge } from "./runtime.ts";
