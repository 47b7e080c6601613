export {
  createSimulatedAdapter,
  type FlashRecord,
  type SimulatedAdapter,
  type SimulatedStats,
  simulatedLabelId,
} from "./adapter.ts";
export { CheckInRing, checkInsDue } from "./check-in.ts";
export { type PanelModel, panelFor, SIMULATED_PANELS } from "./models.ts";
export { type SimulatedFleetConfig, type SimulatedFleetOptions, simulatedFleetSchema } from "./options.ts";
export {
  DEFAULT_MQTT_URL,
  DEFAULT_SIMULATED_BRIDGE_ID,
  DEFAULT_STORE_ID,
  type SimulatedAccessPoint,
  type SimulatedAccessPointOptions,
  startSimulatedAccessPoint,
} from "./start.ts";
