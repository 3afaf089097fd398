  // hide: the page-hide flush of this tab's outbox in worker mode (fetch keepalive).
  // Page hide in worker mode, synchronously: (1) calls the worker has not taken yet are kept
  // in localStorage for the next page; (2) this tab's outbox entries (written here by the
  // worker) leave on fetch keepalive requests within the main thread's chunk and budget;
  // entries that never failed are marked handed to the browser only while the worker last
  // said the channel is healthy (b.healthyUntil: its latest attempt succeeded less than 30 s
  // ago, nothing failing, no pause) and the page is online, as the main thread does
  // (docs/delivery.md). Nothing is sent while the collector's Retry-After pause lasts; entries in backoff
  // are sent (the page is going).
  function hide(b, changed) {
    if (b.unacked.length && xo.consent.mayStore()) { // never before consent (opt-in mode)
      b.pendingKey = b.pendingKey || PENDING + Date.now() + "-" + Math.random().toString(36).slice(2);
      try {
        localStorage.setItem(b.pendingKey, JSON.stringify(b.unacked.map(function (u) { return u.entry; })));
      } catch (error) { /* full or blocked: nothing more can be done synchronously */ }
    }
    var meta = b.meta;
    if (!meta || !meta.tab || !meta.endpoint || !xo.consent.mayStore()) return;
    var now = Date.now() / 1000, entries = [];
    var keys = ownKeys().filter(function (key) { return !(key in b.unsaved); });
    keys.concat(Object.keys(b.unsaved)).forEach(function (key) {
      if (key.indexOf(OUTBOX) !== 0) return;
      var raw = b.value(key), at = raw ? raw.indexOf(',"body":[') : -1;
      if (at < 0) return;
      try {
        var head = JSON.parse(raw.slice(0, at) + "}");
        if (head.v !== 1 || head.tab !== meta.tab || head.k !== meta.trackerKey || head.h) return;
        entries.push({ key: key, head: head, body: raw.slice(at + 9, -2) });
      } catch (error) { /* not an entry: left alone */ }
    });
    entries.sort(function (x, y) { return x.head.at - y.head.at || x.head.seq - y.head.seq; });
    // One in flight from the worker blocks the ones after it, in order, as on the main
    // thread: if the page goes, its request dies with the worker and the next page sends it.
    var flying = entries.findIndex(function (e) { return e.head.fl && e.head.until > now; });
    if (flying >= 0) entries = entries.slice(0, flying);
    var pause = Number(readStorage(KEYS.pause)) || 0;
    if (pause > now) return; // the collector asked every tab to wait: the entries stay
    var healthy = navigator.onLine !== false && now < b.healthyUntil &&
      !entries.some(function (e) { return e.head.n > 0; });
    var budget = UNLOAD.budget, chunk = [], size = 2;
    function flush() {
      if (!chunk.length) return;
      var token = "hide-" + Math.random().toString(36).slice(2);
      try {
        fetch(meta.endpoint, {
          method: "POST", keepalive: true, referrerPolicy: "no-referrer", credentials: "omit",
          headers: { "Content-Type": "application/json", "X-SDK": "1" },
          body: "[" + chunk.map(function (e) { return e.body; }).join(",") + "]",
        }).catch(function () {});
      } catch (error) { return; }
      budget -= size;
      chunk.forEach(function (e) {
        if (!healthy || e.head.n !== 0) return;
        var head = Object.assign({}, e.head, { fl: token, until: now + UNLOAD.leaseS, h: true });
        var text = JSON.stringify(head);
        b.write(e.key, text.slice(0, -1) + ',"body":[' + e.body + "]}");
        changed(e.key);
      });
      chunk = [];
      size = 2;
    }
    entries.forEach(function (e) {
      var bytes = new Blob([e.body]).size + 1;
      if (size + bytes > UNLOAD.chunk) flush();
      if (size + bytes > budget) return;
      chunk.push(e);
      size += bytes;
    });
    flush();
  }
