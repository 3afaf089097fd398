  // hide: the page-hide flush of this tab's outbox in worker mode (fetch keepalive).
  // Page hide in worker mode, synchronously: (1) calls the worker has not taken yet are kept
  // in localStorage for the next page (persistPending); (2) unless an opt-out is on its way to
  // the worker, this tab's outbox entries (written here by the worker) leave on fetch
  // keepalive requests within the main thread's chunk and budget, oldest first, stopping at the
  // first that does not fit. Each entry sent is claimed (in flight under the request's token,
  // for a lease), so neither the worker nor a second hide() sends it again meanwhile; entries
  // that never failed are also marked handed to the browser only while the worker last said
  // the channel is healthy (b.healthyUntil) and the page is online (docs/delivery.md). The request is
  // watched: if the page lives to see it fail, the claim is undone and the worker told, as
  // delivery/unload.py does on the main thread. Nothing is sent while the collector's
  // Retry-After pause lasts (as the page last wrote it, kept in memory if storage refused it).
  var RETRYABLE = [408, 425, 429];

  function hide(b, changed) {
    if (b.unacked.length && xo.consent.mayStore()) { // never before consent (opt-in mode)
      b.pendingKey = b.pendingKey || pendingKey();
      persistPending(b.pendingKey, unackedRecords(b));
    }
    var meta = b.meta;
    if (!meta || !meta.tab || !meta.endpoint || optingOut(b) || !xo.consent.mayStore()) return;
    var now = Date.now() / 1000, entries = [];
    var keys = ownKeys().filter(function (key) { return !(key in b.unsaved); });
    keys.concat(Object.keys(b.unsaved)).forEach(function (key) {
      if (key.indexOf(OUTBOX) !== 0) return;
      var entry = readEntry(b, key);
      if (entry && entry.head.tab === meta.tab && entry.head.k === meta.trackerKey && !entry.head.h) {
        entries.push(entry);
      }
    });
    entries.sort(function (x, y) { return x.head.at - y.head.at || x.head.seq - y.head.seq; });
    // One in flight (from the worker or an earlier hide) blocks the ones after it, in order,
    // as on the main thread: if the page goes, its request dies and the next page sends it.
    var flying = entries.findIndex(function (e) { return e.head.fl && e.head.until > now; });
    if (flying >= 0) entries = entries.slice(0, flying);
    var pause = Number(b.value(KEYS.pause)) || 0;
    if (pause > now) return; // the collector asked every tab to wait: the entries stay
    var healthy = navigator.onLine !== false && now < b.healthyUntil &&
      !entries.some(function (e) { return e.head.n > 0; });
    var budget = UNLOAD.budget, chunk = [], size = 2, full = false;
    function flush() {
      if (!chunk.length) return;
      var token = "hide-" + Math.random().toString(36).slice(2), sent = chunk;
      var request;
      try {
        request = fetch(meta.endpoint, {
          method: "POST", keepalive: true, referrerPolicy: "no-referrer", credentials: "omit",
          headers: { "Content-Type": "application/json", "X-SDK": "1" },
          body: "[" + sent.map(function (e) { return e.body; }).join(",") + "]",
        });
      } catch (error) { full = true; return; }
      budget -= size;
      sent.forEach(function (e) {
        var handed = healthy && e.head.n === 0;
        writeEntry(b, e.key, Object.assign({}, e.head, { fl: token, until: now + UNLOAD.leaseS, h: handed }), e.body);
        changed(e.key);
      });
      request.then(function (response) {
        landed(b, changed, sent, token, response.status);
      }, function () {
        landed(b, changed, sent, token, 0);
      });
      chunk = [];
      size = 2;
    }
    entries.forEach(function (e) {
      if (full) return;
      var bytes = new Blob([e.body]).size + 1;
      if (size + bytes > UNLOAD.chunk) flush();
      if (full || size + bytes > budget) { full = true; return; } // order kept: the rest stay
      chunk.push(e);
      size += bytes;
    });
    flush();
  }

  // The page lived to see a page-hide request's answer: acknowledged or refused for good, its
  // entries leave; otherwise (network error, 408/425/429, 5xx) the claim is undone, the
  // attempt counted, and the worker told to flush, so the entry is retried, never lost.
  function landed(b, changed, sent, token, status) {
    var now = Date.now() / 1000;
    var done = (status >= 200 && status < 300) ||
      (status >= 400 && status < 500 && RETRYABLE.indexOf(status) < 0);
    sent.forEach(function (e) {
      var current = readEntry(b, e.key);
      if (!current || current.head.fl !== token) return; // taken over or settled elsewhere
      if (done) b.write(e.key, null);
      else writeEntry(b, e.key, Object.assign({}, current.head, { fl: null, until: 0, h: false, n: current.head.n + 1, due: now }), current.body);
      changed(e.key);
    });
    if (!done) {
      try { b.port.postMessage({ xo: "online", online: navigator.onLine !== false }); } catch (error) { /* closed */ }
    }
  }

  function readEntry(b, key) {
    var raw = b.value(key), at = raw ? raw.indexOf(',"body":[') : -1;
    if (at < 0) return null;
    try {
      var head = JSON.parse(raw.slice(0, at) + "}");
      return head.v === 1 ? { key: key, head: head, body: raw.slice(at + 9, -2) } : null;
    } catch (error) {
      return null; // not an entry: left alone
    }
  }

  function writeEntry(b, key, head, body) {
    var text = JSON.stringify(head);
    b.write(key, text.slice(0, -1) + ',"body":[' + body + "]}");
  }
