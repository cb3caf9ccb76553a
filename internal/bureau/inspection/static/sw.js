// Service worker of the inspection pages: keeps the inspection form and
// its scripts so that an inspection can be filled without signal. Sending
// is done by offline.js from its queue (IndexedDB) when the page is online.
const CACHE = 'yingji-insp-v1';
const SHELL = ['/inspections/new', '/inspections/static/offline.js', '/inspections/static/inspection.css',
  '/static/app.css', '/static/app.js', '/static/vendor/htmx.min.js', '/static/favicon.svg'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => Promise.all(SHELL.map((u) => c.add(u).catch(() => null)))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const shell = url.pathname === '/inspections/new' || SHELL.includes(url.pathname) || url.pathname === '/inspections';
  if (!shell) return;
  // Network first (fresh form and lists when online), the cache without signal.
  e.respondWith(fetch(req).then((res) => {
    if (res.ok && !res.redirected) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(url.pathname, copy));
    }
    return res;
  }).catch(() => caches.match(url.pathname).then((r) => r || new Response('offline', { status: 503 }))));
});
