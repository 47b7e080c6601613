// The signage player's service worker (scope /player/): the player starts and plays with the
// controller gone. Pages and assets are answered from Cache Storage first — so a screen draws its
// first frame without waiting for a network that may hang — and refreshed in the background, so a
// new build is picked up on the next start. The API is never cached here: the player keeps its show
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
