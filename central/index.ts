/**
 * Central ops' side of the chain as a library (the `npm run central` command is built on it):
 * connect to the chain broker, keep the stamped log, publish changes, serve the HTTP catch-up and
 * follow the stores' roll-up. docs/chain.md.
 */
export { type ChainLogin, connectChain } from "./broker.ts";
export { type CentralLog, type LoggedBatch, openCentralLog } from "./log.ts";
export {
  CentralRefused,
  DEFAULT_INLINE_BYTES,
  deliver,
  type PublishInput,
  publishChange,
} from "./publish.ts";
export { catchUpHandler, serveCatchUp } from "./serve.ts";
export { type ChangeProgress, progressOf, progressTable, type StoreProgress, watchRollUp } from "./status.ts";
