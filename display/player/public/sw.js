// The signage player's service worker (scope /player/): the player starts and plays with the
// controller gone. Pages and assets are answered from Cache Storage first — so a screen draws its
// first frame without waiting for a network that may hang — and refreshed in the background, so a
// new build is picked up on the next start. Uploaded media (/player/media/, content-hash names) are
// kept for good. The API is never cached here: the player keeps its show
// itself (localStorage) and proof of play (IndexedDB).
const CACHE = "shelfsync-player-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith("/player/")) return;
  if (url.pathname === "/player/sw.js") return;
  // Uploaded media are named by their content hash: a cached copy is right for good, so the cache
  // answers alone (no refresh); a file not cached yet is fetched and kept.
  if (url.pathname.startsWith("/player/media/")) {
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        const cached = await cache.match(url.pathname);
        if (cached) return cached;
        const response = await fetch(url.pathname).catch(() => undefined);
        if (response?.status === 200) await cache.put(url.pathname, response.clone());
        return response ?? new Response("offline", { status: 503 });
      })(),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      // Every screen's page is the same file: one cache entry for all of them.
      const key = url.pathname.startsWith("/player/assets/") ? request : new Request("/player/index.html");
      const cached = await cache.match(key);
      const network = fetch(request)
        .then(async (response) => {
          if (response.ok) await cache.put(key, response.clone());
          return response;
        })
        .catch(() => undefined);
      if (cached) {
        event.waitUntil(network);
        return cached;
      }
      return (await network) ?? new Response("offline", { status: 503 });
    })(),
  );
});
