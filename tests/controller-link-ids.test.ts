import { afterAll, describe, expect, it } from "vitest";
import { type ControllerLink, connectControllerLink } from "../controller/mqtt/controller-link.ts";
import { portInRange, type RestartableBroker, startAedesBroker } from "./support/brokers.ts";
import { captureControllerLogger, uniqueStoreId, waitFor } from "./support/harness.ts";

/**
 * MQTT gives a QoS 1 publish a 16-bit packet id, unique only among the publishes not yet
 * acknowledged. After a broker outage the controller holds more than 65,535 of them: the contents it
 * published while the broker was down (a reprice, a change) and the republish of every label at the
 * reconnect. A provider that hands out ids without checking them (MQTT.js's default) gives a second
 * publish an id still in flight: the first one's acknowledgement is then taken for the second, the
 * first's callback is never called, and a batch waiting for every acknowledgement never ends. Seen in
 * `npm run soak` on Mosquitto at 100,000 labels: 201 labels stuck out of sync, and a SUBACK arriving
 * for an id a publish held.
 */
describe("the controller link's packet ids", () => {
  let broker: RestartableBroker | undefined;
  let link: ControllerLink | undefined;
  afterAll(async () => {
    await link?.close();
    await broker?.stop();
  });

  it("70,000 contents published during an outage are each acknowledged once the broker is back", async () => {
    broker = await startAedesBroker(await portInRange(19300, 19349));
    const b = broker;
    link = connectControllerLink({
      url: b.url,
      storeId: uniqueStoreId(),
      log: captureControllerLogger(),
      handlers: { onConnect() {}, onLabelState() {}, onBridgeStatus() {}, onBridgeLabels() {} },
    });
    const l = link;
    await waitFor(() => l.connected(), 10_000, "link connected");
    await b.stop();
    await waitFor(() => !l.connected(), 10_000, "link noticed the outage");

    const COUNT = 70_000;
    let settled: string[] | null = null;
    const done = l
      .publishContents(
        Array.from(
          { length: COUNT },
          (_, i) => [`L${i}`, JSON.stringify({ v: 1, labelId: `L${i}` })] as const,
        ),
      )
      .then((failed) => {
        settled = failed;
      });
    const publishedBefore = b.contentPublishes();
    await b.start();
    // Waits on the condition: every publish acknowledged means the batch's promise settles.
    await waitFor(() => settled !== null, 120_000, `all ${COUNT} publishes acknowledged`);
    await done;
    expect(settled).toEqual([]);
    // Each content reached the broker (ids reused while in flight would also let the broker see
    // fewer than were published).
    expect(b.contentPublishes() - publishedBefore).toBeGreaterThanOrEqual(COUNT);
  }, 180_000);
});
