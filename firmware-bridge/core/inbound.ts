import {
  type LabelContent,
  labelCommandSchema,
  labelContentSchema,
  parseTopic,
  plainLabelContent,
} from "../../schemas/index.ts";
import type { BridgeAdapter } from "./adapter.ts";
import type { LatestApplyQueue } from "./apply-queue.ts";
import type { Logger } from "./logger.ts";
import { decodeJson, describeProblems } from "./payloads.ts";

export interface InboundStats {
  contentReceived: number;
  commandsReceived: number;
  invalidPayloads: number;
}

/**
 * What arrives on the two wildcard subscriptions, routed: content for one of this bridge's labels is
 * validated and handed to the apply queue (newest wins), a command to the adapter; anything else
 * (another store, a label of another bridge) is ignored. A bad payload is logged with its field and
 * dropped; it never throws into the MQTT client.
 */
export function inboundRouter(deps: {
  storeId: string;
  owns: (labelId: string) => boolean;
  queue: Pick<LatestApplyQueue<LabelContent | null>, "submit">;
  adapter: Pick<BridgeAdapter, "command">;
  logger: Logger;
  stats: InboundStats;
}) {
  const { queue, adapter, logger, stats } = deps;

  function handleContent(topic: string, labelId: string, payload: Buffer): void {
    stats.contentReceived++;
    if (payload.length === 0) {
      queue.submit(labelId, null);
      return;
    }
    const decoded = decodeJson(payload, labelContentSchema, plainLabelContent);
    if (!decoded.ok) {
      stats.invalidPayloads++;
      logger.warn("invalid label content ignored", {
        topic,
        field: decoded.problems[0]?.field,
        problems: describeProblems(decoded.problems),
      });
      return;
    }
    if (decoded.value.labelId !== labelId) {
      stats.invalidPayloads++;
      logger.warn("invalid label content ignored", {
        topic,
        field: "labelId",
        problems: `labelId: "${decoded.value.labelId}" does not match the topic`,
      });
      return;
    }
    queue.submit(labelId, decoded.value);
  }

  function handleCommand(topic: string, labelId: string, payload: Buffer, retained: boolean): void {
    // A command is a moment's request; one left retained by mistake would replay on every reconnect.
    if (retained || payload.length === 0) {
      logger.debug("retained or empty command ignored", { topic });
      return;
    }
    stats.commandsReceived++;
    const decoded = decodeJson(payload, labelCommandSchema);
    if (!decoded.ok) {
      stats.invalidPayloads++;
      logger.warn("invalid label command ignored", {
        topic,
        field: decoded.problems[0]?.field,
        problems: describeProblems(decoded.problems),
      });
      return;
    }
    Promise.resolve()
      .then(() => adapter.command(labelId, decoded.value))
      .catch((error: unknown) => {
        logger.warn("label command failed", {
          labelId,
          command: decoded.value.command,
          error: error instanceof Error ? error.message : String(error),
        });
      });
  }

  return (topic: string, payload: Buffer, retained: boolean): void => {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== "label" || parsed.storeId !== deps.storeId || !deps.owns(parsed.labelId)) return;
    if (parsed.leaf === "content") handleContent(topic, parsed.labelId, payload);
    else if (parsed.leaf === "command") handleCommand(topic, parsed.labelId, payload, retained);
  };
}
