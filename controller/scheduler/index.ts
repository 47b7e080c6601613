export { type Clock, offsetClock, systemClock } from "./clock.ts";
export { ManualClock } from "./manual-clock.ts";
export {
  CLOCK_JUMP_TOLERANCE_MS,
  createRepriceScheduler,
  type RepriceScheduler,
  type RepriceSchedulerOptions,
  type SchedulerLog,
} from "./reprice-scheduler.ts";
