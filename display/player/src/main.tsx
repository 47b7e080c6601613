import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Playing, PlaylistItem, PlayRecord, Show } from "../../../schemas/screens.ts";
import { claimPairing, type ScreenApi, screenApi, startPairing, Unauthorized } from "./net.ts";
import { queuedPlays, queuePlay, removePlays } from "./plays.ts";
import { isStale, itemSeconds, nextChange, qrPath, type TileState, tileAt } from "./timeline.ts";
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
  if (item.kind === "price")
    return (
      <PriceTile sku={item.sku} state={tileAt(show, item.sku, now)} stale={isStale(show, lastContact, now)} />
    );
  if (item.kind === "image")
    return <img class="image" src={item.url} alt="" onError={() => report(`image failed: ${item.url}`)} />;
  return <p class="text">{item.text}</p>;
}

function Player({ token, onUnpaired }: { token: string; onUnpaired: () => void }) {
  const [show, setShow] = useState<Show | null>(() => load<Show>("show"));
  /** Counts every item that came on screen: a one-item playlist plays (and is recorded) again and again. */
  const [turn, setTurn] = useState(0);
  const [now, setNow] = useState(Date.now());
  const api = screenApi(screenId, token);

  const accept = (s: Show) => {
    contact();
    save("show", s);
    setShow(s);
    setNow(Date.now());
  };

  // The show: fetched, then followed over server-sent events; reconnects after any failure.
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await api.follow(accept, abort.signal);
      } catch (e) {
        if (e instanceof Unauthorized) return onUnpaired();
        if (abort.signal.aborted) return;
      }
      timer = setTimeout(() => void run(), RECONNECT_MS);
    };
    void run();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [token]);

  const items = show?.items ?? [];
  const index = items.length ? turn % items.length : 0;
  const current = items[index];

  // Heartbeat with what is on screen; proof of play goes out with it.
  const [since] = useState(() => ({ at: Date.now() }));
  useEffect(() => {
    const beat = async () => {
      const playing: Playing | null = current
        ? {
            index,
            kind: current.kind,
            ...(current.kind === "price" ? { sku: current.sku } : {}),
            since: new Date(since.at).toISOString(),
          }
        : null;
      try {
        await api.heartbeat(playing, errors.splice(0));
        contact();
        setNow(Date.now());
        await flushPlays(api);
      } catch (e) {
        if (e instanceof Unauthorized) onUnpaired();
      }
    };
    void beat();
    const t = setInterval(() => void beat(), HEARTBEAT_MS);
    return () => clearInterval(t);
  }, [token, turn, show?.playlistVersion]);

  // The playlist: each item for its seconds, then the next; its play is recorded when it ends.
  useEffect(() => {
    if (!current || !show) return;
    since.at = Date.now();
    const start = since.at;
    const i = index;
    const t = setTimeout(() => {
      const tile = current.kind === "price" ? tileAt(show, current.sku, start) : null;
      const done = queuePlay(screenId, {
        id: newId(),
        index: i,
        kind: current.kind,
        ...(current.kind === "price" ? { sku: current.sku } : {}),
        ...(tile?.kind === "tile" ? { contentHash: tile.tile.contentHash } : {}),
        start: new Date(start).toISOString(),
        end: new Date().toISOString(),
      });
      setTurn((n) => n + 1);
      // Sent at once when the controller is there; kept (and sent with a later heartbeat) when not.
      done.then(() => flushPlays(api)).catch(() => undefined);
    }, itemSeconds(current) * 1000);
    return () => clearTimeout(t);
  }, [turn, show?.playlistVersion, items.length]);

  // Tiles change on the second from the show's steps, and go stale after the freshness limit.
  useEffect(() => {
    if (!show) return;
    const at = Date.now();
    const next = nextChange(show, at);
    const staleAt = show.freshnessSeconds > 0 ? lastContact + show.freshnessSeconds * 1000 + 1 : undefined;
    const wake = Math.min(
      next ?? Number.POSITIVE_INFINITY,
      staleAt && staleAt > at ? staleAt : Number.POSITIVE_INFINITY,
    );
    if (!Number.isFinite(wake)) return;
    const t = setTimeout(() => setNow(Date.now()), Math.max(0, wake - at));
    return () => clearTimeout(t);
  }, [show, now]);

  if (!show) return <main class="waiting">Screen {screenId}: waiting for the controller…</main>;
  if (!current) return <main class="waiting">{show.name}: nothing to play</main>;
  return (
    <main class="zone" data-item-index={index} data-playlist-version={show.playlistVersion}>
      <Item item={current} show={show} now={Math.max(now, Date.now())} />
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
