import { afterAll, describe, expect, it } from "vitest";
import type { BridgeAdapter, BridgeHandle } from "../firmware-bridge/core/index.ts";
import { startBridge } from "../firmware-bridge/core/index.ts";
import { createSimulatedAdapter } from "../firmware-bridge/simulated/adapter.ts";
import { bridgeLogin, getJson, postFeed, startTestController, waitFor } from "./support/harness.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A simulated access point whose labels can be told to drop their acknowledgements: the label takes
 * the image, but the state report that says so never leaves the AP. The first report at power-up (it
 * shows nothing yet) always goes out, so the controller knows the label is there.
 */
function lossyAccessPoint(labels: number) {
  const sim = createSimulatedAdapter({
    bridgeId: "ap1",
    labels,
    radioDelayMs: 5,
    radioJitterMs: 0,
    failureRate: 0,
    checkInSeconds: 3600,
  });
  /** Acknowledgements still to drop, per label (Infinity: all of them). */
  const dropAcks = new Map<string, number>();
  /** Content messages the AP handed to each label (first publish and every resend). */
  const received = new Map<string, number>();
  const adapter: BridgeAdapter = {
    kind: sim.kind,
    ...(sim.maxConcurrentApplies === undefined ? {} : { maxConcurrentApplies: sim.maxConcurrentApplies }),
    start: (ctx) =>
      sim.start({
        ...ctx,
        reportState(labelId, report) {
          const left = dropAcks.get(labelId) ?? 0;
          if (report.displayedHash !== null && left > 0) {
            dropAcks.set(labelId, left - 1);
            return;
          }
          ctx.reportState(labelId, report);
        },
      }),
    labels: () => sim.labels(),
    applyContent(labelId, content) {
      received.set(labelId, (received.get(labelId) ?? 0) + 1);
      return sim.applyContent(labelId, content);
    },
    command: (labelId, command) => sim.command(labelId, command),
    stop: () => sim.stop(),
  };
  return { sim, adapter, dropAcks, received };
}

describe("labels that never acknowledge", () => {
  let ctl: Awaited<ReturnType<typeof startTestController>> | undefined;
  let bridge: BridgeHandle | undefined;
  afterAll(async () => {
    await bridge?.stop();
    await ctl?.cleanup();
  });

  it("are resent their content with backoff, then listed as failed with the attempts and the last try", async () => {
    // An ack timeout well above a loaded machine's round trip (a resend of a label that did
    // acknowledge would break the counts below), and two resends to keep the test short.
    const RETRIES = 2;
    ctl = await startTestController("aedes", {
      config: { labelAckTimeoutSeconds: 0.4, labelRetries: RETRIES },
    });
    const c = ctl;
    const ap = lossyAccessPoint(6);
    bridge = await startBridge({
      mqttUrl: c.mqttUrl,
      mqttOptions: bridgeLogin(c, "ap1"),
      storeId: c.config.storeId,
      bridgeId: "ap1",
      adapter: ap.adapter,
      logger: quiet,
      reconnect: { initialMs: 100, maxMs: 500 },
    });
    await bridge.ready;
    const ids = ap.sim.labelIds;
    const [deaf, lossy] = ids as [string, string];
    ap.dropAcks.set(deaf, Number.POSITIVE_INFINITY);
    ap.dropAcks.set(lossy, 1);

    await postFeed(c.httpUrl, "products", 1, "sku,name\nA,Apples\n");
    await postFeed(c.httpUrl, "prices", 1, "sku,price,currency\nA,1.00,EUR\n");
    await waitFor(() => ids.every((id) => c.labels.get(id)?.lastSeen !== null), 5_000, "labels announced");
    for (const id of ids) c.labels.setLink(id, "A");
    c.sync.refreshLabels([...ids]);

    const sync = async () => {
      c.flushStates();
      return getJson(`${c.httpUrl}/api/v1/sync`);
    };
    const failed = await waitFor(
      async () => {
        const s = await sync();
        return s.failed === 1 && s.inSync === ids.length - 1 ? s : null;
      },
      15_000,
      "the deaf label failed, every other label in sync",
    );
    const entry = failed.notRight.find((n: { labelId: string }) => n.labelId === deaf);
    expect(entry).toMatchObject({ labelId: deaf, sku: "A", reason: "failed", attempts: RETRIES + 1 });
    expect(Date.parse(entry.lastTry)).toBeGreaterThan(Date.now() - 10_000);
    expect(entry.detail).toMatch(/no acknowledgement after 3 sends/);
    // The label did get every resend (first publish + RETRIES), and the label list's filter finds it.
    expect(ap.received.get(deaf)).toBe(RETRIES + 1);
    const listed = await getJson(`${c.httpUrl}/api/v1/labels?filter=failed`);
    expect(listed.map((l: { labelId: string }) => l.labelId)).toEqual([deaf]);
    expect((await getJson(`${c.httpUrl}/api/v1/labels/${deaf}`)).status).toBe("failed");

    // One lost acknowledgement costs one resend; labels that acknowledged at once were never resent.
    expect(ap.received.get(lossy)).toBe(2);
    for (const id of ids.slice(2)) expect(ap.received.get(id)).toBe(1);

    // Failed means no more resends (until its content changes or it reports)…
    await new Promise((r) => setTimeout(r, 1_500));
    expect(ap.received.get(deaf)).toBe(RETRIES + 1);
    expect(c.retries.stats()).toMatchObject({ resent: RETRIES + 1, failed: 1 });

    // …and a label that acknowledges again leaves the list: its next content is shown and reported.
    ap.dropAcks.set(deaf, 0);
    await postFeed(c.httpUrl, "prices", 2, "sku,price,currency\nA,1.10,EUR\n");
    const after = await waitFor(
      async () => {
        const s = await sync();
        return s.inSync === ids.length ? s : null;
      },
      10_000,
      "every label in sync after the deaf one recovered",
    );
    expect(after).toMatchObject({ failed: 0, notRight: [] });
  });
});
