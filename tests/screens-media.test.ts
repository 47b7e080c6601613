import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { api, authFetch, startTestController, tokenFor } from "./support/harness.ts";

type Ctl = Controller & { cleanup(): Promise<void> };

describe("screen media, pairing limits, proof-of-play retention", () => {
  let ctl: Ctl;
  let manager: string;
  let png: Buffer;
  beforeAll(async () => {
    ctl = await startTestController("aedes", {
      config: { screenMediaMaxMb: 0.05, screenPlaysRetentionDays: 1, screenPairingPerMinute: 3 },
    });
    manager = tokenFor(ctl, "manager");
    png = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#c00" } })
      .png()
      .toBuffer();
  });
  afterAll(() => ctl?.cleanup());

  const upload = (
    body: BodyInit | Buffer,
    token = manager,
    name = "red.png",
    headers: Record<string, string> = {},
  ) =>
    authFetch(
      `${ctl.httpUrl}/api/v1/screens/media?name=${encodeURIComponent(name)}`,
      // duplex: Node's fetch needs it to send a stream body.
      {
        method: "POST",
        body,
        headers: { "Content-Type": "application/octet-stream", ...headers },
        duplex: "half",
      } as RequestInit,
      token,
    );

  it("stores an upload on disk beside the database under its content hash, once; players fetch it without a token", async () => {
    const first = await upload(png);
    expect(first.status).toBe(201);
    const m = await first.json();
    expect(m).toMatchObject({
      type: "image/png",
      size: png.length,
      name: "red.png",
      uploadedBy: "test manager",
    });
    expect(m.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(m.url).toBe(`/player/media/${m.hash}.png`);
    const onDisk = join(dirname(ctl.config.dbPath), "media", `${m.hash}.png`);
    expect(readFileSync(onDisk).equals(png)).toBe(true);
    // The same bytes again: stored once, the first name kept.
    const again = await upload(png, manager, "other.png");
    expect(again.status).toBe(200);
    expect((await again.json()).name).toBe("red.png");
    const list = await api(ctl.httpUrl, "GET", "/screens/media", undefined, tokenFor(ctl, "viewer"));
    expect(list.json).toHaveLength(1);

    const served = await fetch(`${ctl.httpUrl}${m.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("cache-control")).toContain("immutable");
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    const part = await fetch(`${ctl.httpUrl}${m.url}`, { headers: { Range: "bytes=0-7" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-7/${png.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(png.subarray(0, 8))).toBe(true);
    expect((await fetch(`${ctl.httpUrl}/player/media/${"0".repeat(64)}.png`)).status).toBe(404);
    expect((await fetch(`${ctl.httpUrl}/player/media/${m.hash}.jpg`)).status).toBe(404);
  });

  it("checks the type by the file's first bytes, the size while reading, and who uploads", async () => {
    const svg = await upload(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      manager,
      "x.png",
      {
        "Content-Type": "image/png",
      },
    );
    expect(svg.status).toBe(415);
    expect((await svg.json()).error.code).toBe("unsupported_media");
    expect((await upload(new Uint8Array(0))).status).toBe(400);
    expect((await upload(png, tokenFor(ctl, "staff"))).status).toBe(403);
    // Over the limit (0.05 MiB): refused from the declared length, and while streaming without one.
    const big = Buffer.concat([png, Buffer.alloc(60_000)]);
    const declared = await upload(big);
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe("media_too_large");
    const streamed = await upload(
      new ReadableStream({
        start(c) {
          c.enqueue(new Uint8Array(big));
          c.close();
        },
      }),
      manager,
      "big.png",
    );
    expect(streamed.status).toBe(413);
    const files = (await api(ctl.httpUrl, "GET", "/screens/media")).json;
    expect(files).toHaveLength(1); // nothing of the refused ones kept
  });

  it("limits pairing codes per address and lists the pairing routes in the OpenAPI document", async () => {
    const ask = () =>
      fetch(`${ctl.httpUrl}/player/rate-${Math.random().toString(36).slice(2)}/pairing`, { method: "POST" });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await ask()).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = await ask();
    expect(refused.headers.get("retry-after")).toBe("60");
    const doc = (await api(ctl.httpUrl, "GET", "/openapi.json")).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/player/{screenId}/pairing",
        "/player/{screenId}/pairing/claim",
        "/api/v1/screens/media",
        "/api/v1/screens/{screenId}/program",
      ]),
    );
  });

  it("prunes proof of play past the retention, and only that", async () => {
    // A screen with plays, paired through the store as the accept route would.
    ctl.stores.screens.pair("pruned", "Pruned", Date.now());
    const play = (id: string) => ({
      id,
      index: 0,
      kind: "text" as const,
      start: new Date(Date.now() - 20_000).toISOString(),
      end: new Date(Date.now() - 10_000).toISOString(),
    });
    ctl.stores.screens.addPlays(
      "pruned",
      [play("old-play-1"), play("old-play-2")],
      Date.now() - 2 * 86_400_000,
    );
    ctl.stores.screens.addPlays("pruned", [play("new-play-1")], Date.now());
    expect(ctl.screens.prunePlays()).toBe(2);
    expect(ctl.stores.screens.plays("pruned").map((p) => p.id)).toEqual(["new-play-1"]);
    const db = new Database(ctl.config.dbPath, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM screen_plays").get()).toEqual({ n: 1 });
    db.close();
  });
});
