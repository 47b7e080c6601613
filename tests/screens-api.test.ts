import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { api, authFetch, postFeed, startTestController, tokenFor, waitUntil } from "./support/harness.ts";
import { seedSignageStore } from "./support/player.ts";

type Ctl = Controller & { cleanup(): Promise<void> };
// biome-ignore lint/suspicious/noExplicitAny: a show as the wire carries it
type Json = any;

/** Money texts carry the locale's no-break spaces; compare them as a shopper reads them. */
const plain = (s: string) => s.replace(/[\s\u00a0\u202f]+/g, " ");

/** Pair a screen as a player and a manager would: code, accept, claim. Returns the screen token. */
async function pair(ctl: Ctl, screenId: string, managerToken: string, name?: string): Promise<string> {
  const start = await fetch(`${ctl.httpUrl}/player/${screenId}/pairing`, { method: "POST" });
  expect(start.status).toBe(201);
  const { code, claim } = await start.json();
  const claimIt = () =>
    fetch(`${ctl.httpUrl}/player/${screenId}/pairing/claim`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ claim }),
    });
  const pending = await claimIt();
  expect(pending.status).toBe(202);
  expect((await pending.json()).status).toBe("pending");
  const accepted = await api(
    ctl.httpUrl,
    "POST",
    `/screens/${screenId}/accept`,
    { code, name },
    managerToken,
  );
  expect(accepted.status).toBe(200);
  const paired = await claimIt();
  expect(paired.status).toBe(200);
  const body = await paired.json();
  expect(body).toMatchObject({ status: "paired", screenId });
  // Collected once: the pairing is gone afterwards.
  expect((await claimIt()).status).toBe(404);
  return body.token as string;
}

/** Read SSE `show` events from the screen's stream until `until` says stop. */
async function readShows(ctl: Ctl, screenId: string, token: string, until: (show: Json) => boolean) {
  const controller = new AbortController();
  const res = await authFetch(
    `${ctl.httpUrl}/api/v1/screens/${screenId}/events`,
    { signal: controller.signal },
    token,
  );
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<BufferSource>).pipeThrough(new TextDecoderStream()).getReader();
  const shows: Json[] = [];
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart())
          .join("\n");
        if (frame.includes("event: show") && data) {
          const show = JSON.parse(data);
          shows.push(show);
          if (until(show)) return shows;
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    controller.abort();
  }
  return shows;
}

describe("signage screens over HTTP: pairing, playlists, shows, heartbeats, proof of play", () => {
  let ctl: Ctl;
  let manager: string;
  let staff: string;
  beforeAll(async () => {
    ctl = await startTestController("aedes", { config: { locale: "de-DE", timeZone: "Europe/Berlin" } });
    manager = tokenFor(ctl, "manager");
    staff = tokenFor(ctl, "staff");
    await seedSignageStore(ctl);
  });
  afterAll(() => ctl?.cleanup());

  it("pairs a player with the code it shows; a wrong code or a staff token does not", async () => {
    const start = await fetch(`${ctl.httpUrl}/player/entrance/pairing`, { method: "POST" });
    const { code } = await start.json();
    expect(code).toMatch(/^\d{6}$/);
    const wrong = code === "000000" ? "000001" : "000000";
    const refused = await api(ctl.httpUrl, "POST", "/screens/entrance/accept", { code: wrong }, manager);
    expect(refused.status).toBe(404);
    expect(refused.json.error.code).toBe("no_pending_pairing");
    expect((await api(ctl.httpUrl, "POST", "/screens/entrance/accept", { code }, staff)).status).toBe(403);
    expect((await api(ctl.httpUrl, "POST", "/screens/entrance/accept", { code: "12" }, manager)).status).toBe(
      400,
    );
    // Nothing was created by the refused attempts.
    expect((await api(ctl.httpUrl, "GET", "/screens")).json).toEqual([]);

    const token = await pair(ctl, "entrance", manager, "Entrance left");
    const me = await api(ctl.httpUrl, "GET", "/me", undefined, token);
    expect(me.json).toMatchObject({ name: "screen:entrance", role: "screen" });
    const list = await api(ctl.httpUrl, "GET", "/screens");
    expect(list.json).toEqual([
      expect.objectContaining({
        screenId: "entrance",
        name: "Entrance left",
        online: false,
        lastSeen: null,
        playing: null,
      }),
    ]);
    const audit = await api(ctl.httpUrl, "GET", "/audit?entity=screen");
    const actions = audit.json.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["screen.paired", "screen.token_issued"]));

    // Pairing again revokes the old token.
    const second = await pair(ctl, "entrance", manager);
    expect((await api(ctl.httpUrl, "GET", "/me", undefined, token)).status).toBe(401);
    expect((await api(ctl.httpUrl, "GET", "/me", undefined, second)).status).toBe(200);
    expect((await api(ctl.httpUrl, "GET", "/screens")).json[0].name).toBe("Entrance left");
  });

  it("sets a playlist (bad items named), and the show's tile is the label's content", async () => {
    const token = await pair(ctl, "counter", manager);
    const bad = await api(
      ctl.httpUrl,
      "PUT",
      "/screens/counter/playlist",
      {
        items: [
          { kind: "price", sku: "COFFEE" },
          { kind: "poster", url: "x" },
          { kind: "text", text: "hi" },
        ],
      },
      manager,
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(["items.1.kind", "items.2.seconds"]),
    );
    const items = [
      { kind: "price", sku: "COFFEE", seconds: 8 },
      { kind: "text", text: "Welcome", seconds: 5 },
      { kind: "image", url: "/player/none.png", seconds: 5 },
      { kind: "price", sku: "NOPE" },
    ];
    const set = await api(ctl.httpUrl, "PUT", "/screens/counter/playlist", { items }, manager);
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ playlistVersion: 1, items });
    expect((await api(ctl.httpUrl, "PUT", "/screens/ghost/playlist", { items }, manager)).status).toBe(404);

    const show = await api(ctl.httpUrl, "GET", "/screens/counter/show", undefined, token);
    expect(show.status).toBe(200);
    expect(show.json.items).toEqual(items);
    const label = await api(ctl.httpUrl, "GET", "/labels/L1");
    const [now] = show.json.tiles.COFFEE;
    expect(now.tile.price.text).toBe(label.json.content.price.text);
    expect(now.tile.contentHash).toBe(label.json.content.contentHash);
    // The label's own lines: the price, the unit price in the label's words, and a QR code of the url.
    expect(now.tile.lines).toContain(label.json.content.price.text);
    expect(plain(now.tile.lines.join("\n"))).toContain(plain(label.json.content.unitPrice.text));
    expect(now.tile.qr.size).toBeGreaterThan(20);
    expect(now.tile.qr.modules).toHaveLength(now.tile.qr.size ** 2);
    // An unknown SKU has no tile (no price to show, never a made-up one).
    expect(show.json.tiles.NOPE).toEqual([{ from: expect.any(String), tile: null }]);

    // A screen token reaches its own screen only.
    expect((await api(ctl.httpUrl, "GET", "/screens/entrance/show", undefined, token)).status).toBe(404);
    expect((await api(ctl.httpUrl, "GET", "/screens", undefined, token)).status).toBe(403);
  });

  it("ships a promotion's end with the show: the step after it is the regular price again", async () => {
    const start = new Date(Date.now() - 3_600_000).toISOString();
    const end = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const r = await postFeed(
      ctl.httpUrl,
      "promotions",
      1,
      `promotionId,kind,skus,value,start,end,priority\nTEA20,percent,TEA,20,${start},${end},1\n`,
    );
    expect(r.status).toBe(200);
    await pair(ctl, "aisle", manager);
    await api(
      ctl.httpUrl,
      "PUT",
      "/screens/aisle/playlist",
      { items: [{ kind: "price", sku: "TEA" }] },
      manager,
    );
    const show = await api(ctl.httpUrl, "GET", "/screens/aisle/show");
    const steps = show.json.tiles.TEA;
    expect(plain(steps[0].tile.price.text)).toBe("2,39 €");
    // The label's words for the reduction and the art. 6a prior price (de-DE catalogue).
    expect(plain(steps[0].tile.lines.join(" "))).toMatch(/−20 %.*Niedrigster Preis der letzten 30 Tage/);
    const after = steps.find((s: { from: string }) => Date.parse(s.from) === Date.parse(end));
    expect(plain(after?.tile.price.text)).toBe("2,99 €");
    // What the pricing engine says for that instant, through the public price route.
    const at = await api(ctl.httpUrl, "GET", `/products/TEA/price?at=${encodeURIComponent(end)}`);
    expect(after.tile.price.text).toBe(at.json.price.text);
  });

  it("pushes a new show over SSE when a price feed changes a tile", async () => {
    const token = await pair(ctl, "stream", manager);
    await api(
      ctl.httpUrl,
      "PUT",
      "/screens/stream/playlist",
      { items: [{ kind: "price", sku: "COFFEE" }] },
      manager,
    );
    let fed = false;
    const shows = await readShows(ctl, "stream", token, (show) => {
      if (!fed) {
        fed = true;
        void postFeed(
          ctl.httpUrl,
          "prices",
          2,
          "sku,price,currency,effectiveFrom\nCOFFEE,6.99,EUR,2021-01-01T00:00\n",
        );
        return false;
      }
      return plain(show.tiles.COFFEE[0].tile.price.text) === "6,99 €";
    });
    expect(plain(shows[0].tiles.COFFEE[0].tile.price.text)).toBe("7,49 €");
    const label = await api(ctl.httpUrl, "GET", "/labels/L1");
    expect(shows.at(-1).tiles.COFFEE[0].tile.contentHash).toBe(label.json.content.contentHash);
  });

  it("beats: online with what it plays; proof of play stored once per id", async () => {
    const token = await pair(ctl, "beat", manager);
    const playing = { index: 0, kind: "price", sku: "COFFEE", since: new Date().toISOString() };
    const hb = await api(
      ctl.httpUrl,
      "POST",
      "/screens/beat/heartbeat",
      { playing, errors: ["img 404"] },
      token,
    );
    expect(hb.status).toBe(200);
    const listed = (await api(ctl.httpUrl, "GET", "/screens")).json.find(
      (s: { screenId: string }) => s.screenId === "beat",
    );
    expect(listed).toMatchObject({ online: true, playing, errors: ["img 404"] });
    expect(Date.parse(listed.lastSeen)).toBeGreaterThan(Date.now() - 60_000);

    const plays = Array.from({ length: 5 }, (_, i) => ({
      id: `beat-play-${i}`,
      index: 0,
      kind: "price",
      sku: "COFFEE",
      start: new Date(Date.now() - 10_000 * (i + 1)).toISOString(),
      end: new Date(Date.now() - 10_000 * i).toISOString(),
    }));
    expect(
      (await api(ctl.httpUrl, "POST", "/screens/beat/plays", { plays: plays.slice(0, 3) }, token)).json,
    ).toEqual({
      stored: 3,
      duplicates: 0,
    });
    // Sent again with two new ones (the player never saw the first reply): none doubled, none lost.
    expect((await api(ctl.httpUrl, "POST", "/screens/beat/plays", { plays }, token)).json).toEqual({
      stored: 2,
      duplicates: 3,
    });
    const stored = (await api(ctl.httpUrl, "GET", "/screens/beat/plays")).json;
    expect(stored.map((p: { id: string }) => p.id).sort()).toEqual(plays.map((p) => p.id).sort());
    const badPlay = { ...plays[0], id: "beat-play-bad", start: "yesterday" };
    const bad = await api(ctl.httpUrl, "POST", "/screens/beat/plays", { plays: [badPlay] }, token);
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].field).toBe("plays.0.start");
  });

  it("sets a program: zones of a layout, dayparts as instants in store time, promotion tiles while it runs", async () => {
    const token = await pair(ctl, "zones", manager);
    const start = new Date(Date.now() - 3_600_000).toISOString();
    const end = new Date(Date.now() + 86_400_000).toISOString();
    await postFeed(
      ctl.httpUrl,
      "promotions",
      2,
      `promotionId,kind,skus,value,start,end,priority\nCOF10,percent,COFFEE,10,${start},${end},1\n`,
    );
    const bad = await api(
      ctl.httpUrl,
      "PUT",
      "/screens/zones/program",
      { layout: "full", zones: [{ zone: "ticker", playlists: [] }] },
      manager,
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].field).toBe("zones.0.zone");
    const program = {
      layout: "main-ticker",
      zones: [
        {
          zone: "main",
          playlists: [
            { name: "all day", items: [{ kind: "price", sku: "TEA" }] },
            {
              name: "breakfast",
              priority: 5,
              when: { days: [1, 2, 3, 4, 5], from: "07:00", to: "10:00" },
              items: [
                { kind: "promotion", promotionId: "COF10", seconds: 6 },
                { kind: "promotion", promotionId: "NONE" },
              ],
            },
          ],
        },
        {
          zone: "ticker",
          playlists: [{ name: "news", items: [{ kind: "html", html: "<b>Hi</b>", seconds: 30 }] }],
        },
      ],
    };
    expect((await api(ctl.httpUrl, "PUT", "/screens/zones/program", program, staff)).status).toBe(403);
    const set = await api(ctl.httpUrl, "PUT", "/screens/zones/program", program, manager);
    expect(set.status).toBe(200);
    expect(set.json.program.zones[1].playlists[0].priority).toBe(0); // the default, stored
    expect(set.json.items).toEqual(program.zones[0]?.playlists[0]?.items);
    const show = (await api(ctl.httpUrl, "GET", "/screens/zones/show", undefined, token)).json;
    expect(show.layout).toBe("main-ticker");
    expect(show.zones.map((z: Json) => z.zone)).toEqual(["main", "ticker"]);
    const [allDay, breakfast] = show.zones[0].playlists;
    expect(allDay.windows).toBeNull();
    // Every window is 07:00–10:00 Berlin time on a weekday, whatever the offset that day; the last
    // may be cut at the show's horizon (`until`) when the test runs during a breakfast window.
    expect(breakfast.windows.length).toBeGreaterThanOrEqual(5);
    const windows: Array<[string, string]> = breakfast.windows;
    const lastEnd = windows[windows.length - 1]?.[1];
    if (lastEnd !== undefined && Date.parse(lastEnd) === Date.parse(show.until)) windows.pop();
    for (const [a, b] of windows) {
      const local = (iso: string) =>
        new Intl.DateTimeFormat("en-GB", {
          timeZone: "Europe/Berlin",
          weekday: "short",
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
        }).format(new Date(iso));
      expect(local(a)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 07:00$/);
      expect(local(b)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 10:00$/);
    }
    // The promotion's SKUs, its run, and their tiles; an unknown promotion is null (never played).
    expect(show.promotions.COF10).toEqual({
      skus: ["COFFEE"],
      start: expect.any(String),
      end: expect.any(String),
    });
    expect(Date.parse(show.promotions.COF10.end)).toBe(Date.parse(end));
    expect(show.promotions.NONE).toBeNull();
    expect(plain(show.tiles.COFFEE[0].tile.price.text)).toBe("6,29 €");
    const after = show.tiles.COFFEE.find((s: Json) => Date.parse(s.from) === Date.parse(end));
    expect(plain(after.tile.price.text)).toBe("6,99 €");
    const audit = await api(ctl.httpUrl, "GET", "/audit?entity=screen");
    expect(audit.json.map((e: { action: string }) => e.action)).toContain("screen.program_set");
  });

  it("removing a screen revokes its token at once", async () => {
    const token = await pair(ctl, "gone", manager);
    expect((await api(ctl.httpUrl, "DELETE", "/screens/gone", undefined, staff)).status).toBe(403);
    expect((await api(ctl.httpUrl, "DELETE", "/screens/gone", undefined, manager)).status).toBe(200);
    expect((await api(ctl.httpUrl, "GET", "/screens/gone/show", undefined, token)).status).toBe(401);
    await waitUntil("screen gone from the list", async () =>
      (await api(ctl.httpUrl, "GET", "/screens")).json.every(
        (s: { screenId: string }) => s.screenId !== "gone",
      ),
    );
  });
});
