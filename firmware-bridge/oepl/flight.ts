import { OEPL_ZERO_HASH, type OeplTag } from "./ap-client.ts";

/**
 * An upload on its way to a tag, judged only by what the AP's `/get_db` record shows (current AP
 * firmware answers every upload 200, so the HTTP answer proves nothing; docs/oepl.md).
 */
export interface Flight {
  /** The `contentHash` uploaded (null: our blank). */
  target: string | null;
  version?: number;
  /** The tag's record just before the upload: the counters the upload is judged by. */
  baseline: OeplTag;
  uploadedAt: number;
  acceptBy: number;
  confirmBy: number;
  landed: boolean;
  processed: boolean;
  sawPending: boolean;
  /** `TagEntry.commandsSent` when the baseline was taken: LED flashes count in `updatecount` too. */
  commandsAtBaseline: number;
  offlineLogged: boolean;
}

/** What a look at the tag's record says about the flight. */
export type FlightReading =
  /** Not yet taken or processed by the AP, still within the deadline. */
  | { kind: "waiting" }
  /** Queued at the AP, not yet fetched by the tag (`queuedNow`: this look is the first to see it). */
  | { kind: "pending"; queuedNow: boolean }
  | { kind: "failed"; reason: string }
  /** The tag shows it: delivered now, or the AP found it identical to what the tag already showed. */
  | { kind: "shown"; identical: boolean };

export function fileOf(modecfgjson: string): string | undefined {
  try {
    const doc = JSON.parse(modecfgjson) as { filename?: unknown };
    return typeof doc.filename === "string" ? doc.filename : undefined;
  } catch {
    return /"filename"\s*:\s*"([^"]*)"/.exec(modecfgjson)?.[1];
  }
}

/**
 * Reads the AP's record of the tag against the baseline taken before the upload, advancing the
 * flight's progress (landed, processed, confirmBy, sawPending):
 * 1. landed    modecfgjson names a new `/temp/<mac>_<millis>.jpg` (the AP accepted the request);
 * 2. processed nextupdate left 0 (the content runner decoded it and queued it, or found it identical);
 * 3. delivered pending back at 0 and updatecount grew by more than our own queued commands:
 *              the tag fetched it (transfer complete also sets hash and updatelast).
 * Nothing queued, nothing delivered and a non-zero hash that is not one of our LED patterns means the
 * AP found the image identical to what the tag already shows: confirmed as well.
 */
export function readFlight(
  flight: Flight,
  tag: OeplTag,
  at: {
    now: number;
    confirmTimeoutMs: number;
    /** Hashes our LED flashes leave on the tag (not an image of ours). */
    commandHashes: readonly string[];
    /** LED commands sent to the tag so far, ever. */
    commandsSent: number;
  },
): FlightReading {
  const { now } = at;
  const base = flight.baseline;
  if (!flight.landed) {
    const file = fileOf(tag.modecfgjson);
    if (file && file !== fileOf(base.modecfgjson) && file.startsWith(`/temp/${tag.mac}_`)) {
      flight.landed = true;
    } else {
      return now > flight.acceptBy
        ? { kind: "failed", reason: "the AP did not take the upload (busy or lost)" }
        : { kind: "waiting" };
    }
  }
  let newlyProcessed = false;
  if (!flight.processed) {
    if (tag.nextupdate === 0) {
      return now > flight.acceptBy
        ? { kind: "failed", reason: "the AP did not process the upload in time" }
        : { kind: "waiting" };
    }
    flight.processed = true;
    flight.confirmBy = now + at.confirmTimeoutMs;
    newlyProcessed = true;
  }
  if (tag.pending > 0) {
    flight.sawPending = true;
    return { kind: "pending", queuedNow: newlyProcessed };
  }
  const ours = (hash: string) => hash !== OEPL_ZERO_HASH && !at.commandHashes.includes(hash);
  const delivered =
    tag.updatecount !== undefined && base.updatecount !== undefined
      ? tag.updatecount - base.updatecount > at.commandsSent - flight.commandsAtBaseline
      : tag.hash !== base.hash && ours(tag.hash);
  if (delivered) {
    return tag.hash === OEPL_ZERO_HASH
      ? { kind: "failed", reason: "the tag was reset right after the transfer" }
      : { kind: "shown", identical: false };
  }
  if (flight.sawPending)
    return { kind: "failed", reason: "the queued image left the AP's queue without reaching the tag" };
  if (ours(tag.hash)) return { kind: "shown", identical: true };
  return { kind: "failed", reason: "the AP queued nothing (it could not decode the JPEG?)" };
}
