  // bridge: the page's side of a worker running the SDK (storage, other tabs, calls, answers).
  xo.connectWorker = listenTo;
  scanForWorkers();

  function readStorage(key) {
    try { return localStorage.getItem(key); } catch (error) { return null; }
  }

  function ownKeys() {
    var keys = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0) keys.push(key);
      }
    } catch (error) { /* blocked storage: the worker works from memory */ }
    return keys;
  }

  function snapshot() {
    var values = {};
    ownKeys().forEach(function (key) { values[key] = readStorage(key); });
    return values;
  }

  function refused() {
    var n = navigator, dnt = [n.doNotTrack, w.doNotTrack];
    return dnt.some(function (v) { return typeof v === "string" && /^(1|yes)$/i.test(v); }) ||
      n.globalPrivacyControl === true;
  }

  function attachMessage() {
    return { xo: "attach", snapshot: snapshot(), refused: refused(), online: navigator.onLine !== false,
      consent: xo.consent.verdict() };
  }

  // Calls gone pages left (attraqtpending:<id>, see stub.js): each key is taken once, in
  // order, and its records come back as {user, calls, tries}. A record replayed MAX_REPLAYS
  // times already is dropped (a call that never gets an answer is not replayed for ever).
  function takePending() {
    var records = [];
    ownKeys().filter(function (key) { return key.indexOf(PENDING) === 0; }).sort().forEach(function (key) {
      var raw = readStorage(key);
      try { localStorage.removeItem(key); } catch (error) { return; }
      try {
        var list = JSON.parse(raw);
        if (!Array.isArray(list)) return;
        if (list.length && Array.isArray(list[0])) list = [{ user: null, calls: list }]; // 0.x pages
        list.slice(0, 100).forEach(function (record) {
          if (!record || typeof record !== "object" || !Array.isArray(record.calls)) return;
          var tries = (Number(record.tries) || 0) + 1;
          if (tries > MAX_REPLAYS) return report("replay", new Error("calls left by a page were dropped after " + MAX_REPLAYS + " tries"));
          records.push({ user: record.user || null, calls: record.calls.filter(Array.isArray).slice(0, 1000), tries: tries });
        });
      } catch (error) { /* not ours or corrupted: dropped, never evaluated */ }
    });
    return records;
  }

  function listenTo(worker) {
    if (!worker || bridges.has(worker)) return;
    bridges.set(worker, null);
    worker.addEventListener("message", function (event) {
      var data = event.data, port = event.ports && event.ports[0];
      if (!data || data.xo !== "hello" || !port || bridges.get(worker)) return;
      bridges.set(worker, connect(port));
      port.postMessage(attachMessage());
    });
  }

  // PyScript sets element.xworker when it starts a worker script: look for them for a while.
  function scanForWorkers() {
    var started = Date.now();
    var timer = setInterval(function () {
      var pending = 0;
      document.querySelectorAll("script[worker], py-script[worker]").forEach(function (el) {
        if (el.xworker) listenTo(el.xworker);
        else pending++;
      });
      if ((document.readyState === "complete" && !pending) || Date.now() - started > 60000) {
        clearInterval(timer);
      }
    }, 50);
  }

  // The session-id cookie (init's sessionCookie) for a worker, which has no document.cookie:
  // the same attributes as xo_web.core.cookie.cookie_string writes on the main thread.
  function writeCookie(name, value) {
    var gone = value === null || typeof value !== "string";
    var parts = [name + "=" + (gone ? "" : value), "Path=/", "SameSite=Lax",
      "Max-Age=" + (gone ? 0 : KEYS.cookieMaxAge)];
    if (location.protocol === "https:") parts.push("Secure");
    try { document.cookie = parts.join("; "); } catch (error) { /* no cookies in this frame */ }
  }

  function connect(port) {
    var b = { port: port, applied: 0, meta: null, calls: {}, next: 1, unacked: [], pendingKey: null,
      healthyUntil: 0, unsaved: {}, refused: false, user: null, onBootFailure: null };

    function post(message) {
      try { port.postMessage(message); } catch (error) { report("bridge", error); }
    }
    function changed(key) {
      post({ xo: "changed", key: key, value: b.value(key), seq: b.applied });
    }
    // The page's value of a key: what storage holds, or a write storage refused.
    b.snapshot = function () {
      var values = snapshot();
      Object.keys(b.unsaved).forEach(function (key) { values[key] = b.unsaved[key]; });
      return values;
    };
    b.value = function (key) {
      return Object.prototype.hasOwnProperty.call(b.unsaved, key) ? b.unsaved[key] : readStorage(key);
    };
    // Applies one write. What storage refuses (full, blocked) is kept in the page's memory for
    // the page-hide flush, and the worker is told: once, and for the opt-out flag every time
    // (it reports that as a ConsentError; the opt-out holds for the page, as on the main thread).
    b.write = function (key, value) {
      if (value === undefined) value = null; // Python's None arrives as undefined: a removal
      delete b.unsaved[key];
      try {
        if (value === null) localStorage.removeItem(key);
        else localStorage.setItem(key, value);
        return true;
      } catch (error) {
        if (value !== null) b.unsaved[key] = value;
        if (!b.refused || key === KEYS.optOut) {
          post({ xo: "failed", key: key, message: String(error && error.message || error) });
        }
        b.refused = true;
        return false;
      }
    };

    port.onmessage = function (event) {
      var m = event.data || {};
      if (typeof m.healthyUntil === "number") b.healthyUntil = m.healthyUntil;
      if (m.xo === "set") {
        // A removal arrives as undefined (Pyodide's to_js(None)), never as a stored string.
        var value = typeof m.value === "string" ? m.value : null;
        if (typeof m.key === "string" && m.key.indexOf(PREFIX) === 0) b.write(m.key, value);
        b.applied = m.seq;
      } else if (m.xo === "cookie") {
        if (m.name === KEYS.session) writeCookie(m.name, m.value);
      } else if (m.xo === "ready") {
        var first = !b.meta;
        b.meta = m;
        if (b.onReady) b.onReady();
        if (first) xo.__attach(dispatcher(b));
      } else if (m.xo === "answer") {
        answered(b, m);
      } else if (m.xo === "outcome") {
        var call = b.calls[m.id];
        delete b.calls[m.id];
        if (call) m.error ? call.reject(new Error(m.error)) : call.resolve(m.value);
      } else if (m.xo === "sync") { // answered after every write posted before it
        post({ xo: "synced", id: m.id, seq: b.applied, snapshot: m.snapshot ? b.snapshot() : null });
      } else if (m.xo === "consent") { // the worker SDK's own state (for the page-hide writes)
        xo.consent.sdk(m.state);
      } else if (m.xo === "warn") {
        console.warn(m.message);
      } else if (m.xo === "report") {
        console.error("[xo_web] " + m.detail.stage + " failed: " + m.detail.message);
        w.dispatchEvent(new CustomEvent("xo:error", { detail: m.detail }));
        if (m.detail.stage === "boot" && !b.meta) (b.onBootFailure || xo.__fail)(new Error(m.detail.message));
      }
    };
    w.addEventListener("storage", function (event) {
      if (event.storageArea && event.storageArea !== w.localStorage) return;
      if (event.key === null) post({ xo: "reset", snapshot: b.snapshot(), seq: b.applied });
      else if (event.key.indexOf(PREFIX) === 0) changed(event.key);
    });
    ["online", "offline"].forEach(function (name) {
      w.addEventListener(name, function () { post({ xo: "online", online: name === "online" }); });
    });
    xo.consent.listen(function (verdict) { post({ xo: "consent", verdict: verdict }); });
    w.addEventListener("pagehide", function () { hide(b, changed); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") hide(b, changed);
    });
    return b;
  }

  // A call through the worker settles: answered (and, for a send, its outcome), or rejected
  // after CALL_TIMEOUT_MS when the worker never answers (crashed, terminated, stuck). A call not
  // answered yet stays in b.unacked for the page-hide hand-over either way.
  var CALL_TIMEOUT_MS = Number(data.callTimeout) || 60000;

  function dispatcher(b) {
    return function (name, args) {
      var id = b.next++;
      var result = new Promise(function (resolve, reject) {
        b.calls[id] = { resolve: resolve, reject: reject, send: name === "send" };
      });
      if (name === "optOut" || name === "optIn") persistConsent(name);
      try {
        b.port.postMessage({ xo: "call", id: id, name: name, args: args });
      } catch (error) { // e.g. a function or a DOM node among the arguments
        delete b.calls[id];
        return { ok: true, value: Promise.reject(new TypeError("xo.activity." + name + ": " + error.message)) };
      }
      if (name === REPLAY) b.unacked.push({ id: id, record: args[0] });
      else if (REPLAYABLE.indexOf(name) >= 0) b.unacked.push({ id: id, entry: [name].concat(args) });
      else if (name === "optOut" || name === "optIn") b.unacked.push({ id: id, consent: name });
      setTimeout(function () {
        var call = b.calls[id];
        if (!call) return;
        delete b.calls[id];
        call.reject(new Error("[xo_web] the SDK's worker did not answer xo.activity." + name));
      }, CALL_TIMEOUT_MS);
      return { ok: true, value: result };
    };
  }

  // What the page keeps for the next page if it goes now: the worker's unanswered calls, the
  // setters and sends with the user the worker last reported (so a replayed send carries the
  // user it was called with), and the records being replayed.
  function unackedRecords(b) {
    var records = [], calls = [];
    b.unacked.forEach(function (u) {
      if (u.record) records.push(u.record);
      else if (u.entry) calls.push(u.entry);
    });
    if (calls.length) records.push({ user: b.user, calls: calls, tries: 0 });
    return records;
  }

  // True while an opt-out is on its way to the worker (and no opt-in after it).
  function optingOut(b) {
    var last = null;
    b.unacked.forEach(function (u) { if (u.consent) last = u.consent; });
    return last === "optOut";
  }

  function answered(b, m) {
    var call = b.calls[m.id];
    if (m.user && typeof m.user === "object") b.user = m.user;
    b.unacked = b.unacked.filter(function (u) { return u.id !== m.id; });
    if (b.pendingKey) { // the page lived on: what the worker took is no longer kept
      persistPending(b.pendingKey, unackedRecords(b));
      if (!b.unacked.length) b.pendingKey = null;
    }
    if (!call) return;
    if (!m.ok) {
      delete b.calls[m.id];
      var ErrorType = m.kind === "RangeError" ? RangeError : m.kind === "Error" ? Error : TypeError;
      call.reject(new ErrorType(m.message));
    } else if (!call.send) {
      delete b.calls[m.id];
      call.resolve(m.value);
    } // a send: its outcome follows
  }
