import { changeSet } from "../../controller/changes/index.ts";
import { loadConfig } from "../../controller/config.ts";
import { createLogger } from "../../controller/log.ts";
import { feedPipeline, guardRailOf } from "../../controller/pipeline.ts";
import { openStores } from "../../controller/store/index.ts";

type FeedName = "products" | "prices" | "links" | "promotions";

/**
 * A store file with the label pipeline and the change layer over it, as the controller wires them,
 * on a clock the test moves (`clock.now`). The guard rail lets any price through: these suites are
 * about what the labels end up showing, not about approvals.
 */
export function changePipeline(
  path: string,
  start: number,
  afterCommit?: Parameters<typeof changeSet>[0]["afterCommit"],
) {
  const stores = openStores(path);
  const config = loadConfig({}, []);
  const clock = { now: start };
  const { sync } = feedPipeline(stores, config, { log: createLogger("silent"), now: () => clock.now });
  const changes = changeSet({
    stores,
    sync,
    guardRail: { ...guardRailOf(config), maxCutShare: 1, maxRaiseShare: 100 },
    locale: config.locale,
    now: () => clock.now,
    ...(afterCommit ? { afterCommit } : {}),
  });
  /** A JSON feed batch of these rows, numbered from line 1. */
  const batch = (feed: FeedName, sequence: number, rows: object[]) => ({
    feed,
    sequence,
    format: "json" as const,
    rows: rows.map((row, i) => ({ line: i + 1, row: row as never })),
  });
  return { stores, sync, changes, clock, batch };
}
