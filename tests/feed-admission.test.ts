import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStores } from "../controller/store/index.ts";
import { portInRange } from "./support/brokers.ts";
import { type FakeCentral, startFakeCentral } from "./support/central.ts";
import { authFetch, npmScript, postFeed, startTestController, tempDir, waitFor } from "./support/harness.ts";

/**
 * One feed queue for every way a batch comes in (controller/feeds/admission.ts): a batch pulled from
 * central and a direct import take a turn of the same queue as a POSTed one, and are held to the same
 * per-batch limits, so the batches in memory at once stay bounded however they arrive.
 */
describe("the feed queue admits pulled and imported batches too", () => {
  let central: FakeCentral | undefined;
  let ctl: Awaited<ReturnType<typeof startTestController>> | undefined;
  const dir = tempDir();
  afterAll(async () => {
    await ctl?.cleanup();
    await central?.close();
    dir.cleanup();
  });

  it("a central catch-up waits for the turn a POSTed batch holds, and a pulled batch over SHELFSYNC_FEED_MAX_ROWS is refused", async () => {
    central = await startFakeCentral(await portInRange(19480, 19489));
    const cen = central;
    ctl = await startTestController("aedes", {
      config: {
        centralUrl: cen.url,
        centralTimeoutSeconds: 5,
        centralRetries: 0,
        centralIntervalSeconds: 3600,
        feedConcurrency: 1,
        feedQueue: 4,
        feedMaxRows: 3,
      },
    });
    const c = ctl;
    const central$ = c.central;
    if (!central$) throw new Error("central catch-up not configured");
    await central$.kick(); // the start's run, with nothing at central yet
    expect((await postFeed(c.httpUrl, "products", 1, "sku,name\nA,Apples\nB,Bread\n")).status).toBe(200);
    expect(
      (await postFeed(c.httpUrl, "prices", 1, "sku,price,currency\nA,1.00,EUR\nB,1.00,EUR\n")).status,
    ).toBe(200);

    // The start's catch-up runs (central had nothing) are over: no request to central for 300 ms
    // and no turn taken, so every request from here on belongs to the run this test starts.
    let seen = -1;
    await waitFor(
      async () => {
        const n = cen.requests.length;
        const quiet = n === seen && c.feedAdmission.load().active === 0;
        seen = n;
        await new Promise((r) => setTimeout(r, 300));
        return quiet;
      },
      20_000,
      "the start's catch-up runs over",
    );

    // A stock batch whose body stays open holds the one turn.
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const held = authFetch(`${c.httpUrl}/api/v1/feeds/stock?sequence=1`, {
      method: "POST",
      headers: { "Content-Type": "text/csv" },
      body: new Blob(["sku,onHand\n"]).stream().pipeThrough(
        new TransformStream({
          flush: async (ctl) => {
            await gate;
            ctl.enqueue(new TextEncoder().encode("A,5\n"));
          },
        }),
      ),
      duplex: "half",
    } as RequestInit);
    await waitFor(() => c.feedAdmission.load().active === 1, 5_000, "the stock batch holds the turn");

    // Central has two newer prices batches: the catch-up run waits for the turn before it reads one.
    cen.add("prices", 2, "sku,price,currency\nA,1.10,EUR\n");
    cen.add("prices", 3, "sku,price,currency\nB,1.20,EUR\n");
    const run = central$.kick();
    await waitFor(() => c.feedAdmission.load().waiting === 1, 10_000, "the catch-up waits in the queue");
    await new Promise((r) => setTimeout(r, 300));
    expect(c.feedAdmission.load()).toMatchObject({ active: 1, waiting: 1 });
    expect(c.catalog.lastSequence("prices")).toBe(1);

    open();
    expect((await held).status).toBe(200);
    await run;
    await waitFor(() => c.catalog.lastSequence("prices") === 3, 10_000, "the pulled batches applied");
    // Never more than one batch read or applied at once, whoever sent it.
    expect(c.feedAdmission.load().peakActive).toBe(1);

    // A pulled batch is held to the posted batch's row limit (3 here): refused while streaming.
    cen.add("prices", 4, "sku,price,currency\nA,1.30,EUR\nB,1.30,EUR\nA,1.31,EUR\nB,1.31,EUR\n");
    void central$.kick();
    await waitFor(
      () => central$.status().error?.includes("SHELFSYNC_FEED_MAX_ROWS"),
      10_000,
      "the catch-up refuses the oversized batch",
    );
    expect(c.catalog.lastSequence("prices")).toBe(3);
  });

  it("npm run import -- --direct goes through the same per-batch limits: a batch over SHELFSYNC_FEED_MAX_ROWS is refused, nothing applied", () => {
    const db = join(dir.path, "direct.db");
    const file = join(dir.path, "products.csv");
    writeFileSync(
      file,
      `sku,name\n${Array.from({ length: 50 }, (_, i) => `P${i},Product ${i}`).join("\n")}\n`,
    );
    const env = { ...process.env, SHELFSYNC_DB: db, SHELFSYNC_HTTP_PORT: "1", SHELFSYNC_STORE_ID: "direct" };
    const refused = spawnSync(...npmScript("import", "products", file, "--direct"), {
      encoding: "utf8",
      env: { ...env, SHELFSYNC_FEED_MAX_ROWS: "10" },
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("SHELFSYNC_FEED_MAX_ROWS");
    const taken = spawnSync(...npmScript("import", "products", file, "--direct"), {
      encoding: "utf8",
      env: { ...env, SHELFSYNC_FEED_MAX_ROWS: "50" },
    });
    expect(taken.status, taken.stderr).toBe(0);
    const stores = openStores(db);
    try {
      // The refused batch consumed no sequence: the accepted one is the first.
      expect(stores.catalog.lastSequence("products")).toBe(1);
    } finally {
      stores.close();
    }
  });
});
