import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Playing, PlaylistItem, Show } from "../../../schemas/screens.ts";
import { claimPairing, type ScreenApi, screenApi, startPairing, Unauthorized } from "./net.ts";
import { queuedPlays, queuePlay, removePlays } from "./plays.ts";
import { advance, type Cursor, isStale, qrPath, type TileState, tileAt, wakeAt } from "./timeline.ts";
import "./styles.css";

/**
 * The signage player (issue 11): pairs once, then plays its show — one full-screen zone cycling the
 * playlist; live price tiles are the SKU's label content from the controller, switched on the second
 * from the show's precomputed steps. Keeps its token, the last show and unsent proof of play in the
 * browser's storage (the kiosk's on-disk profile), so it starts and plays without the controller.
 */

const screenId = decodeURIComponent(location.pathname.replace(/^\/player\/?/, "").split("/")[0] ?? "");
const key = (what: string) => `shelfsync.screen.${screenId}.${what}`;
const HEARTBEAT_MS = 10_000;
const RECONNECT_MS = 2_000;
/**
 * While the controller does not answer, reconnects and heartbeats back off to this: a store's
 * screens do not hammer a controller that is starting again, and a week offline is ~10,000 tries
 * rather than 300,000. The first show after a reconnect triggers a heartbeat (and the proof-of-play
 * flush) at once, so coming back is not delayed by it.
 */
const BACKOFF_MAX_MS = 60_000;
const backoff = (base: number, failures: number) =>
  Math.min(BACKOFF_MAX_MS, base * 2 ** Math.min(failures, 10));

const load = <T,>(what: string): T | null => {
  try {
    const raw = localStorage.getItem(key(what));
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
};
const save = (what: string, value: unknown) => {
  try {
    if (value === null) localStorage.removeItem(key(what));
    else localStorage.setItem(key(what), JSON.stringify(value));
  } catch {
    // Storage full or refused: play on from memory.
  }
};

/** The last moment the controller answered (a show or a heartbeat): tiles go stale after the limit. */
let lastContact = load<number>("contact") ?? 0;
const contact = () => {
  lastContact = Date.now();
  save("contact", lastContact);
};

const errors: string[] = [];
const report = (e: string) => {
  errors.push(e.slice(0, 500));
  if (errors.length > 20) errors.shift();
};

/** Sends queued proof of play (IndexedDB, ./plays.ts), oldest first, until the queue is empty. */
let flushing = false;
async function flushPlays(api: ScreenApi): Promise<void> {
  if (flushing) return;
  flushing = true;
  try {
    for (;;) {
      const batch = await queuedPlays(screenId);
      if (batch.length === 0) return;
      await api.plays(batch);
      await removePlays(batch.map((p) => p.id));
    }
  } finally {
    flushing = false;
  }
}

/**
 * Offline start: the service worker (public/sw.js) answers pages and assets from Cache Storage. The
 * page that was loaded before the worker took over puts itself and its assets there, once.
 */
const CACHE = "shelfsync-player-v1";
async function keepForOffline(): Promise<void> {
  if (!("serviceWorker" in navigator) || typeof caches === "undefined") return;
  await navigator.serviceWorker.register("/player/sw.js", { scope: "/player/" });
  const cache = await caches.open(CACHE);
  const assets = [...document.querySelectorAll("script[src], link[rel=stylesheet][href]")].map(
    (e) => (e as HTMLScriptElement).src || (e as HTMLLinkElement).href,
  );
  for (const url of assets) if (!(await cache.match(url))) await cache.add(url);
  const page = await fetch(location.pathname, { cache: "no-store" });
  if (page.ok) await cache.put("/player/index.html", page);
  document.documentElement.dataset.offlineReady = "true";
}

/**
 * The show's uploaded media (images and videos under /player/media/) into Cache Storage as soon as
 * the show arrives, not when each is first on screen: a screen that loses the controller an hour
 * later still has the evening's video.
 */
async function cacheMedia(show: Show): Promise<void> {
  if (typeof caches === "undefined") return;
  const cache = await caches.open(CACHE);
  const urls = new Set<string>();
  for (const z of show.zones ?? [])
    for (const p of z.playlists)
      for (const i of p.items)
        if ((i.kind === "image" || i.kind === "video") && i.url.startsWith("/player/media/")) urls.add(i.url);
  for (const url of urls) if (!(await cache.match(url))) await cache.add(url);
}

const newId = () =>
  typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

function Pairing({ onPaired }: { onPaired: (token: string) => void }) {
  const [code, setCode] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const begin = async (): Promise<void> => {
      try {
        const p = await startPairing(screenId);
        if (stopped) return;
        setCode(p.code);
        setProblem(null);
        const expires = Date.parse(p.expiresAt);
        const poll = async (): Promise<void> => {
          if (stopped) return;
          const r = await claimPairing(screenId, p.claim).catch(() => undefined);
          if (stopped) return;
          if (r === null || Date.now() >= expires) return void begin();
          if (r?.status === "paired") return onPaired(r.token);
          timer = setTimeout(() => void poll(), 1000);
        };
        timer = setTimeout(() => void poll(), 1000);
      } catch (e) {
        setProblem(String(e));
        timer = setTimeout(() => void begin(), RECONNECT_MS);
      }
    };
    void begin();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return (
    <main class="pairing">
      <p>Screen {screenId}</p>
      {code ? (
        <p class="code" data-pairing-code={code}>
          {code}
        </p>
      ) : (
        <p>…</p>
      )}
      <p class="hint">Accept this code in the Shelfsync console (Screens) to pair this screen.</p>
      {problem && <p class="problem">{problem}</p>}
    </main>
  );
}

function PriceTile({ sku, state, stale }: { sku: string; state: TileState; stale: boolean }) {
  if (state.kind !== "tile") {
    return (
      <section class="tile empty" data-sku={sku} data-state={state.kind}>
        <p class="note">{state.kind === "none" ? "" : "…"}</p>
      </section>
    );
  }
  const t = state.tile;
  // The label's lines minus the name and the price, which the tile sets large on their own.
  const notes = t.lines.filter((l) => l !== t.name && l !== t.price.text && l !== t.brand);
  return (
    <section
      class={`tile${stale ? " stale" : ""}`}
      data-sku={sku}
      data-hash={t.contentHash}
      data-stale={stale ? "true" : undefined}
    >
      <div class="info">
        {t.brand && <p class="brand">{t.brand}</p>}
        <h1 class="name">{t.name}</h1>
        <p class="price">{t.price.text}</p>
        {notes.map((n) => (
          <p class="note" key={n}>
            {n}
          </p>
        ))}
        {stale && <p class="stale-mark">⚠︎</p>}
      </div>
      {t.qr && (
        <svg
          class="qr"
          viewBox={`-2 -2 ${t.qr.size + 4} ${t.qr.size + 4}`}
          role="img"
          aria-label={t.url}
          shape-rendering="crispEdges"
        >
          <rect x="-2" y="-2" width={t.qr.size + 4} height={t.qr.size + 4} fill="#fff" />
          <path d={qrPath(t.qr)} fill="#000" />
        </svg>
      )}
    </section>
  );
}

function Item({ item, show, now }: { item: PlaylistItem; show: Show; now: number }) {
  const stale = isStale(show, lastContact, now);
  switch (item.kind) {
    case "price":
      return <PriceTile sku={item.sku} state={tileAt(show, item.sku, now)} stale={stale} />;
    case "promotion": {
      const promo = show.promotions[item.promotionId];
      return (
        <div class="promotion" data-promotion={item.promotionId}>
          {(promo?.skus ?? []).map((sku) => (
            <PriceTile key={sku} sku={sku} state={tileAt(show, sku, now)} stale={stale} />
          ))}
        </div>
      );
    }
    case "image":
      return <img class="image" src={item.url} alt="" onError={() => report(`image failed: ${item.url}`)} />;
    case "video":
      return (
        <video
          class="video"
          src={item.url}
          autoPlay
          muted
          loop
          playsInline
          onError={() => report(`video failed: ${item.url}`)}
        />
      );
    case "html":
      // No allow-scripts and no allow-same-origin: the slide is drawn, nothing in it runs, and it
      // cannot reach this page's storage (the screen's token) or the network as the player.
      return <iframe class="html" sandbox="" srcdoc={item.html} title="slide" />;
    default:
      return <p class="text">{item.text}</p>;
  }
}

/**
 * Keeps the display awake where the page may ask (a secure context, see docs/signage.md Kiosk); the
 * lock is dropped whenever the page is hidden, so it is asked for again when it shows.
 */
function keepAwake(): () => void {
  const wl = (navigator as Navigator & { wakeLock?: { request(t: "screen"): Promise<unknown> } }).wakeLock;
  if (!wl || !window.isSecureContext) return () => undefined;
  const ask = () => {
    if (document.visibilityState === "visible")
      wl.request("screen").then(
        () => {
          document.documentElement.dataset.wakeLock = "held";
        },
        (e) => report(`wake lock: ${e}`),
      );
  };
  ask();
  document.addEventListener("visibilitychange", ask);
  return () => document.removeEventListener("visibilitychange", ask);
}

/** Proof of play for an item that left the screen at `end`. */
function recordPlay(api: ScreenApi, show: Show, zone: string, c: Cursor, end: number): void {
  const tile = c.item.kind === "price" ? tileAt(show, c.item.sku, c.start) : null;
  queuePlay(screenId, {
    id: newId(),
    index: c.index,
    kind: c.item.kind,
    zone: zone as Playing["zone"],
    playlist: c.name,
    ...(c.item.kind === "price" ? { sku: c.item.sku } : {}),
    ...(tile?.kind === "tile" ? { contentHash: tile.tile.contentHash } : {}),
    start: new Date(c.start).toISOString(),
    end: new Date(end).toISOString(),
  })
    // Sent at once when the controller is there; kept (and sent with a later heartbeat) when not.
    .then(() => flushPlays(api))
    .catch(() => undefined);
}

function Player({ token, onUnpaired }: { token: string; onUnpaired: () => void }) {
  const [show, setShow] = useState<Show | null>(() => load<Show>("show"));
  const [, setFrame] = useState(0);
  const showRef = useRef(show);
  /** Per zone (by name) what is on screen. */
  const cursors = useRef(new Map<string, Cursor | null>());
  const nowRef = useRef(Date.now());
  const api = screenApi(screenId, token);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  /**
   * Every zone's next state at this instant (timeline.ts advance), proof of play for what left the
   * screen, one timer for the next instant anything changes: an item's end, a daypart, a promotion's
   * end, a tile's step, tiles going stale. All from the cached show: no controller needed.
   */
  const tick = () => {
    clearTimeout(timer.current);
    const s = showRef.current;
    const at = Date.now();
    nowRef.current = at;
    if (!s?.zones) return setFrame((n) => n + 1);
    let wake = Number.POSITIVE_INFINITY;
    for (const z of s.zones) {
      const before = cursors.current.get(z.zone) ?? null;
      const r = advance(s, z, before, at);
      if (r.ended) recordPlay(api, s, z.zone, r.ended, at);
      cursors.current.set(z.zone, r.cursor);
      wake = Math.min(wake, wakeAt(s, r.cursor, at) ?? Number.POSITIVE_INFINITY);
    }
    for (const name of [...cursors.current.keys()])
      if (!s.zones.some((z) => z.zone === name)) cursors.current.delete(name);
    const staleAt = s.freshnessSeconds > 0 ? lastContact + s.freshnessSeconds * 1000 + 1 : 0;
    if (staleAt > at) wake = Math.min(wake, staleAt);
    setFrame((n) => n + 1);
    if (Number.isFinite(wake)) timer.current = setTimeout(tick, Math.max(0, wake - at));
  };

  const accept = (s: Show) => {
    contact();
    save("show", s);
    showRef.current = s;
    setShow(s);
    tick();
    cacheMedia(s).catch((e) => report(`media cache: ${e}`));
  };

  useEffect(() => {
    tick();
    const release = keepAwake();
    return () => {
      clearTimeout(timer.current);
      release();
    };
  }, []);

  /** Heartbeat now (set below); the first show after a reconnect calls it. */
  const beatNow = useRef<() => void>(() => undefined);

  // The show: fetched, then followed over server-sent events; reconnects after any failure.
  useEffect(() => {
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const run = async () => {
      let got = false;
      try {
        await api.follow((s) => {
          accept(s);
          if (!got && failures > 0) beatNow.current();
          got = true;
          failures = 0;
        }, abort.signal);
      } catch (e) {
        if (e instanceof Unauthorized) return onUnpaired();
        if (abort.signal.aborted) return;
      }
      if (!got) failures++;
      retry = setTimeout(() => void run(), backoff(RECONNECT_MS, failures));
    };
    void run();
    return () => {
      abort.abort();
      clearTimeout(retry);
    };
  }, [token]);

  // Heartbeat with what the main zone shows; proof of play goes out with it.
  useEffect(() => {
    let failures = 0;
    let next: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let busy = false;
    const beat = async () => {
      // One beat at a time: a reconnect asking for one while another is out would start a second chain.
      if (busy) return;
      busy = true;
      const c = cursors.current.get("main") ?? null;
      const playing: Playing | null = c
        ? {
            index: c.index,
            kind: c.item.kind,
            zone: "main",
            playlist: c.name,
            ...(c.item.kind === "price" ? { sku: c.item.sku } : {}),
            since: new Date(c.start).toISOString(),
          }
        : null;
      clearTimeout(next);
      try {
        await api.heartbeat(playing, errors.splice(0));
        failures = 0;
        contact();
        tick();
        await flushPlays(api);
      } catch (e) {
        if (e instanceof Unauthorized) return onUnpaired();
        failures++;
      }
      busy = false;
      if (!stopped) next = setTimeout(() => void beat(), backoff(HEARTBEAT_MS, failures));
    };
    beatNow.current = () => void beat();
    void beat();
    return () => {
      stopped = true;
      clearTimeout(next);
    };
  }, [token]);

  if (!show) return <main class="waiting">Screen {screenId}: waiting for the controller…</main>;
  const now = Math.max(nowRef.current, Date.now());
  // A show from a controller without zones (an older build) is one full-screen zone.
  const zones = show.zones ?? [];
  return (
    <main
      class={`screen layout-${show.layout ?? "full"}`}
      data-layout={show.layout ?? "full"}
      data-playlist-version={show.playlistVersion}
    >
      {zones.map((z) => {
        const c = cursors.current.get(z.zone) ?? null;
        return (
          <section
            key={z.zone}
            class={`zone zone-${z.zone}`}
            data-zone={z.zone}
            data-playlist={c?.name}
            data-item-index={c?.index}
            data-kind={c?.item.kind}
          >
            {c ? (
              <Item
                key={`${c.version}.${c.playlist}.${c.index}.${c.start}`}
                item={c.item}
                show={show}
                now={now}
              />
            ) : null}
          </section>
        );
      })}
    </main>
  );
}

function App() {
  const [token, setToken] = useState<string | null>(() => load<string>("token"));
  if (!token)
    return (
      <Pairing
        onPaired={(t) => {
          save("token", t);
          setToken(t);
        }}
      />
    );
  return (
    <Player
      token={token}
      onUnpaired={() => {
        save("token", null);
        save("show", null);
        setToken(null);
      }}
    />
  );
}

keepForOffline().catch((e) => report(`offline cache: ${e}`));
const root = document.getElementById("player");
if (root) render(<App />, root);
performance.mark("shelfsync:first-frame");
