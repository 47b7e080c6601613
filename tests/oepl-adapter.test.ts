import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { OeplAdapter, type OeplAdapterOptions, type OeplPanel } from "../firmware-bridge/oepl/adapter.ts";
import type { RgbaImage } from "../firmware-bridge/oepl/jpeg.ts";
import { ledFlashForCommand, ledPatternHex } from "../firmware-bridge/oepl/led.ts";
import {
  type LabelContent,
  type LabelDescriptor,
  type LabelState,
  labelDescriptorSchema,
  labelStateSchema,
} from "../schemas/mqtt.ts";
import { FakeOeplAp } from "./fakes/oepl-ap.ts";
import { waitUntil } from "./support/harness.ts";

const MAC_A = "0000021EDB3F7A9C";
const MAC_B = "00000A1B2C3D4E5F";

function content(labelId: string, amountMinor: number, version = 1): LabelContent {
  const text = `${(amountMinor / 100).toFixed(2)} €`;
  return {
    v: 1,
    labelId,
    sku: "coffee-500",
    name: "Coffee 500 g",
    price: { amountMinor, currency: "EUR", text },
    stock: "in_stock",
    contentHash: createHash("sha256").update(`${labelId}:${amountMinor}`).digest("hex").slice(0, 32),
    version,
  };
}

/** A stand-in renderer: a black bar whose length is the price, a red block, on white. */
function render(c: LabelContent, panel: OeplPanel): RgbaImage {
  const data = new Uint8Array(panel.width * panel.height * 4).fill(255);
  const bar = Math.min(panel.width - 8, 8 + (c.price.amountMinor % (panel.width - 16)));
  for (let y = 0; y < panel.height; y++) {
    for (let x = 0; x < panel.width; x++) {
      const i = (y * panel.width + x) * 4;
      if (y >= 16 && y < 48 && x >= 8 && x < bar) data.fill(0, i, i + 3);
      if (y >= 64 && y < 96 && x >= 8 && x < 72) {
        data[i + 1] = 0;
        data[i + 2] = 0;
      }
    }
  }
  return { data, width: panel.width, height: panel.height };
}

interface Harness {
  fake: FakeOeplAp;
  adapter: OeplAdapter;
  reports: Array<{ labelId: string; state: LabelState }>;
  inventories: LabelDescriptor[][];
  renders: string[];
  /** Called with each state report before it is recorded. */
  onReport?: (labelId: string, state: LabelState) => void;
  newAdapter(overrides?: Partial<OeplAdapterOptions>): OeplAdapter;
}

const open: Array<{ fake: FakeOeplAp; adapters: OeplAdapter[] }> = [];

afterEach(async () => {
  for (const { fake, adapters } of open.splice(0)) {
    for (const adapter of adapters) await adapter.stop();
    await fake.close();
  }
});

/**
 * Timeouts are generous (a loaded CI machine must not trigger retries the test does not expect);
 * the test about retries shortens its own.
 */
async function harness(
  setup: (fake: FakeOeplAp) => void,
  overrides: Partial<OeplAdapterOptions> = {},
): Promise<Harness> {
  const fake = await FakeOeplAp.start({
    runnerIntervalMs: 40,
    checkinIntervalMs: 120,
    queueGapMs: 40,
    transferMs: 25,
  });
  setup(fake);
  const adapters: OeplAdapter[] = [];
  open.push({ fake, adapters });
  const h: Harness = {
    fake,
    reports: [],
    inventories: [],
    renders: [],
    adapter: undefined as unknown as OeplAdapter,
    newAdapter(more = {}) {
      const adapter = new OeplAdapter({
        aps: [fake.url],
        render: (c, panel) => {
          h.renders.push(c.contentHash);
          return render(c, panel);
        },
        host: {
          reportState: (labelId, state) => {
            // Every report must be a valid label/{id}/state payload.
            labelStateSchema.parse(state);
            h.onReport?.(labelId, state);
            h.reports.push({ labelId, state });
          },
          labelsChanged: (labels) => {
            for (const label of labels) labelDescriptorSchema.parse(label);
            h.inventories.push(labels);
          },
        },
        pollIntervalMs: 100,
        flightPollMs: 30,
        coalesceMs: 30,
        acceptTimeoutMs: 5_000,
        confirmTimeoutMs: 3_000,
        retryInitialMs: 100,
        retryMaxMs: 300,
        clientOptions: { retries: 1, backoffMs: 20 },
        ...overrides,
        ...more,
      });
      adapters.push(adapter);
      h.adapter = adapter;
      return adapter;
    },
  };
  h.newAdapter(overrides);
  return h;
}

function hashesReported(h: Harness, labelId: string): Array<string | null> {
  const out: Array<string | null> = [];
  for (const r of h.reports) {
    if (r.labelId !== labelId) continue;
    if (out.length === 0 || out[out.length - 1] !== r.state.displayedHash) out.push(r.state.displayedHash);
  }
  return out;
}

describe("OEPL adapter against the fake AP", () => {
  it("publishes the inventory from /get_db and the hardware type table", async () => {
    const h = await harness((fake) => {
      fake.addTag({ mac: MAC_A, hwType: 0x01, capabilities: 0x01 });
      fake.addTag({ mac: MAC_B, hwType: 0x3c });
    });
    await h.adapter.start();
    expect(h.inventories.at(-1)).toEqual([
      { labelId: MAC_A, model: 'OEPL M2 2.9"', width: 296, height: 128, colors: "bwr" },
      { labelId: MAC_B, model: 'OEPL M3 4.2" BWY', width: 400, height: 300, colors: "bwy" },
    ]);
    const first = h.reports.find((r) => r.labelId === MAC_A)!.state;
    expect(first.displayedHash).toBeNull();
    expect(first.rssi).toBe(-62);
    expect(first.battery).toBe(90);
  });

  it("learns an unknown hardware type from the AP once", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x35 }));
    await h.adapter.start();
    await h.adapter.pollOnce();
    await h.adapter.pollOnce();
    expect(h.adapter.labels()).toEqual([
      { labelId: MAC_A, model: 'OEPL M3 6.0"', width: 600, height: 448, colors: "bwr" },
    ]);
    expect(h.fake.tagTypeRequests).toEqual(["35"]);
  });

  it("reports displayedHash only once /get_db shows the image on the tag", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01 }));
    let claimedEarly = false;
    h.onReport = (_id, state) => {
      if (state.displayedHash && h.fake.tag(MAC_A).shown?.kind !== "image") claimedEarly = true;
    };
    await h.adapter.start();
    const c1 = content(MAC_A, 249);
    h.adapter.applyContent(MAC_A, c1);
    await waitUntil("confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));

    expect(claimedEarly).toBe(false);
    expect(hashesReported(h, MAC_A)).toEqual([null, c1.contentHash]);
    const last = h.reports.filter((r) => r.labelId === MAC_A).at(-1)!.state;
    expect(last.version).toBe(1);
    expect(h.fake.uploads).toHaveLength(1);
    expect(h.fake.uploads[0]!.order).toEqual(["mac", "dither", "rotate", "file(file)"]);
    expect(h.fake.uploads[0]!.outcome).toBe("saved");
    expect(h.fake.violations).toEqual([]);
    const kinds = h.fake.events.filter((e) => e.mac === MAC_A).map((e) => e.kind);
    expect(kinds).toEqual(["queued", "transfer-complete"]);
    // The AP mapped our JPEG back onto exact panel colours: black bar, red block, white elsewhere.
    const shown = h.fake.tag(MAC_A).shown;
    if (shown?.kind !== "image") throw new Error("nothing shown");
    const at = (x: number, y: number) => shown.pixels[y * 296 + x];
    expect([at(20, 30), at(40, 80), at(200, 110)]).toEqual([1, 2, 0]);
    expect(h.adapter.stats()).toMatchObject({ uploads: 1, confirmed: 1, identical: 0 });
  });

  it("confirms an identical image, which the AP never queues", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01 }));
    await h.adapter.start();
    const c1 = content(MAC_A, 249);
    h.adapter.applyContent(MAC_A, c1);
    await waitUntil("first confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));
    await h.adapter.stop();
    const updates = h.fake.tag(MAC_A).updateCount;

    // A restarted bridge does not know what the tag shows; it uploads, and the AP finds it identical.
    h.reports.length = 0;
    const second = h.newAdapter();
    await second.start();
    second.applyContent(MAC_A, c1);
    await waitUntil("confirmation after restart", () => hashesReported(h, MAC_A).includes(c1.contentHash));
    expect(h.fake.uploads).toHaveLength(2);
    expect(h.fake.events.filter((e) => e.kind === "identical")).toHaveLength(1);
    expect(h.fake.tag(MAC_A).updateCount).toBe(updates);
    expect(second.stats()).toMatchObject({ uploads: 1, confirmed: 1, identical: 1 });
    expect(h.fake.violations).toEqual([]);
  });

  it("draws only the newest of several quick updates", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01 }));
    await h.adapter.start();
    const versions = [content(MAC_A, 299, 1), content(MAC_A, 279, 2), content(MAC_A, 249, 3)];
    for (const c of versions) h.adapter.applyContent(MAC_A, c);
    await waitUntil("newest confirmed", () => hashesReported(h, MAC_A).includes(versions[2]!.contentHash));
    expect(h.renders).toEqual([versions[2]!.contentHash]);
    expect(h.fake.uploads).toHaveLength(1);
    expect(hashesReported(h, MAC_A)).toEqual([null, versions[2]!.contentHash]);
  });

  it("replaces an image still queued for a sleeping tag instead of letting it draw a stale price", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01 }));
    await h.adapter.start();
    h.fake.pauseCheckins(MAC_A);
    const c1 = content(MAC_A, 299, 1);
    const c2 = content(MAC_A, 249, 2);
    h.adapter.applyContent(MAC_A, c1);
    await waitUntil("first image queued", () => h.fake.tag(MAC_A).queue.length === 1);
    h.adapter.applyContent(MAC_A, c2);
    await waitUntil("queue cleared and refilled", () =>
      h.fake.events.some((e) => e.kind === "queued" && e.uploadSeq === 2),
    );
    h.fake.pauseCheckins(MAC_A, false);
    await waitUntil("newest confirmed", () => hashesReported(h, MAC_A).includes(c2.contentHash));
    const transfers = h.fake.events.filter((e) => e.kind === "transfer-complete");
    expect(transfers.map((e) => e.uploadSeq)).toEqual([2]);
    expect(hashesReported(h, MAC_A)).toEqual([null, c2.contentHash]);
    expect(h.adapter.stats().superseded).toBe(1);
  });

  it("uploads again after the tag's first boot, since the AP does not resend", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01 }));
    await h.adapter.start();
    const c1 = content(MAC_A, 249);
    h.adapter.applyContent(MAC_A, c1);
    await waitUntil("confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));
    h.fake.firstBoot(MAC_A);
    await waitUntil("re-upload confirmed", () => hashesReported(h, MAC_A).length === 4);
    expect(hashesReported(h, MAC_A)).toEqual([null, c1.contentHash, null, c1.contentHash]);
    expect(h.fake.uploads).toHaveLength(2);
    expect(h.fake.tag(MAC_A).shown?.kind).toBe("image");
    // Whether the fake AP's own content runner got to the tag (and found its copy gone) before our
    // second upload arrived depends on timing; either way the tag shows our image only because we
    // uploaded again, which is what the two uploads above prove.
  });

  it("retries an upload the AP did not take", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01 }), { acceptTimeoutMs: 400 });
    await h.adapter.start();
    h.fake.runStatus = "stop";
    const c1 = content(MAC_A, 249);
    h.adapter.applyContent(MAC_A, c1);
    await waitUntil("a refused upload", () => h.fake.uploads.some((u) => u.outcome === "come-back-later"));
    // The AP answered 200 all the same: only /get_db tells.
    expect(hashesReported(h, MAC_A)).toEqual([null]);
    h.fake.runStatus = "run";
    await waitUntil("confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));
    expect(h.fake.uploads.at(-1)!.outcome).toBe("saved");
    expect(h.adapter.stats().failed).toBeGreaterThanOrEqual(1);
  });

  it("flashes the LED only on tags that have one, without disturbing the image", async () => {
    const h = await harness((fake) => {
      fake.addTag({ mac: MAC_A, hwType: 0x33, capabilities: 0x01 });
      fake.addTag({ mac: MAC_B, hwType: 0x01, capabilities: 0x20 });
    });
    await h.adapter.start();
    const c1 = content(MAC_A, 249);
    h.adapter.applyContent(MAC_A, c1);
    await waitUntil("confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));

    const flash = {
      v: 1 as const,
      command: "flash" as const,
      commandId: "c1",
      color: "red" as const,
      pattern: "blink" as const,
      seconds: 10,
    };
    const result = await h.adapter.command(MAC_A, flash);
    const expected = ledFlashForCommand(flash);
    expect(result).toMatchObject({ ok: true, pattern: ledPatternHex(expected) });
    await waitUntil("flash delivered", () => h.fake.tag(MAC_A).ledFlashes.length === 1);
    expect([...h.fake.tag(MAC_A).ledFlashes[0]!]).toEqual([...expected]);
    // After the flash the AP's hash is the pattern; the image on the panel is unchanged.
    expect(h.fake.tag(MAC_A).md5.subarray(0, 8)).toEqual(Buffer.from(expected.subarray(0, 8)));
    await h.adapter.pollOnce();
    await new Promise((r) => setTimeout(r, 150));
    expect(h.fake.uploads).toHaveLength(1);
    expect(hashesReported(h, MAC_A)).toEqual([null, c1.contentHash]);

    const refused = await h.adapter.command(MAC_B, { ...flash, commandId: "c2" });
    expect(refused).toMatchObject({ ok: false, reason: "no-led" });
    expect(h.fake.requests.filter((r) => r.url.startsWith("/led_flash") && r.url.includes(MAC_B))).toEqual(
      [],
    );
    expect(await h.adapter.command("0000FFFFFFFFFFFF", flash)).toMatchObject({
      ok: false,
      reason: "unknown-label",
    });
  });

  it("clears a label to a blank panel and reports no content", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01 }));
    await h.adapter.start();
    const c1 = content(MAC_A, 249);
    h.adapter.applyContent(MAC_A, c1);
    await waitUntil("confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));
    h.adapter.applyContent(MAC_A, null);
    await waitUntil(
      "blank shown",
      () =>
        h.fake.uploads.length === 2 &&
        h.fake.tag(MAC_A).shown?.kind === "image" &&
        (h.fake.tag(MAC_A).shown as { uploadSeq: number }).uploadSeq === 2,
    );
    await waitUntil("null reported", () => hashesReported(h, MAC_A).at(-1) === null);
    const shown = h.fake.tag(MAC_A).shown as { pixels: Uint8Array };
    expect(shown.pixels.every((p) => p === 0)).toBe(true);
  });

  it("talks to the AP that owns a tag when another AP lists it as external", async () => {
    const other = await FakeOeplAp.start({
      runnerIntervalMs: 40,
      checkinIntervalMs: 120,
      queueGapMs: 40,
      transferMs: 25,
    });
    open.push({ fake: other, adapters: [] });
    other.addTag({ mac: MAC_A, hwType: 0x01, isexternal: true });
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01 }));
    await h.adapter.stop();
    const adapter = new OeplAdapter({
      aps: [other.url, h.fake.url],
      render,
      host: { reportState: (labelId, state) => h.reports.push({ labelId, state }), labelsChanged() {} },
      pollIntervalMs: 100,
      flightPollMs: 30,
      coalesceMs: 30,
    });
    open.at(-1)!.adapters.push(adapter);
    await adapter.start();
    const c1 = content(MAC_A, 249);
    adapter.applyContent(MAC_A, c1);
    await waitUntil("confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));
    expect(other.uploads).toHaveLength(0);
    expect(h.fake.uploads).toHaveLength(1);
    expect(adapter.labels()).toHaveLength(1);
  });

  it("waits for a tag the AP has never heard before uploading to it", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x01, checkedIn: false }));
    await h.adapter.start();
    const c1 = content(MAC_A, 249);
    h.adapter.applyContent(MAC_A, c1);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.fake.uploads).toHaveLength(0);
    expect(h.reports.find((r) => r.labelId === MAC_A)?.state.rssi).toBeUndefined();
    h.fake.pauseCheckins(MAC_A, false);
    await waitUntil("confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));
    expect(h.fake.uploads).toHaveLength(1);
  });

  it("confirms an image delivered together with a LED flash queued behind it", async () => {
    const h = await harness((fake) => fake.addTag({ mac: MAC_A, hwType: 0x33, capabilities: 0x01 }));
    await h.adapter.start();
    h.fake.pauseCheckins(MAC_A);
    const c1 = content(MAC_A, 249);
    h.adapter.applyContent(MAC_A, c1);
    await waitUntil("image queued", () => h.fake.tag(MAC_A).queue.length === 1);
    const flash = {
      v: 1 as const,
      command: "flash" as const,
      commandId: "f",
      color: "green" as const,
      pattern: "pulse" as const,
      seconds: 5,
    };
    expect(await h.adapter.command(MAC_A, flash)).toMatchObject({ ok: true });
    expect(h.fake.tag(MAC_A).queue.length).toBe(2);
    h.fake.pauseCheckins(MAC_A, false);
    await waitUntil("confirmation", () => hashesReported(h, MAC_A).includes(c1.contentHash));
    await waitUntil("both delivered", () => h.fake.tag(MAC_A).queue.length === 0);
    await h.adapter.pollOnce();
    // The AP's hash now holds the LED pattern, yet the panel still shows our image.
    expect(h.fake.record(MAC_A).hash).toBe(
      `${Buffer.from(ledFlashForCommand(flash).subarray(0, 8)).toString("hex")}${"0".repeat(16)}`,
    );
    expect(hashesReported(h, MAC_A)).toEqual([null, c1.contentHash]);
    expect(h.fake.uploads).toHaveLength(1);
  });
});
