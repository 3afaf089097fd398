  // stub: window.xo, the pre-boot queue (window._attraqt), xo.ready, and attaching the SDK.
  var queue = (w._attraqt = Array.isArray(w._attraqt) ? w._attraqt : []);
  var activity = (xo.activity = xo.activity || {});
  var pending = new WeakMap();
  var bridges = new WeakMap(); // worker -> its bridge (null until it says hello)
  var attached = false;
  // Calls a page may leave behind for the next page: what the dispatcher itself stores (the
  // user and sends). Never init (nothing read from storage is used as a URL) and never a
  // consent call (written at once, below).
  var REPLAY = "__replay", MAX_REPLAYS = 3;
  var REPLAYABLE = QUEUEABLE.filter(function (name) {
    return name !== "init" && name !== "optOut" && name !== "optIn";
  });
  var early = { key: null, calls: null }; // this page's pre-ready calls while kept in storage

  function report(stage, error) {
    console.error("[xo_web] " + stage + ":", error);
    w.dispatchEvent(
      new CustomEvent("xo:error", { detail: { stage: stage, message: String(error && error.message || error) } })
    );
  }

  QUEUEABLE.forEach(function (name) {
    activity[name] = function () {
      var entry = [name].concat(Array.prototype.slice.call(arguments));
      var result;
      if (name === "send") {
        result = new Promise(function (resolve, reject) {
          pending.set(entry, { resolve: resolve, reject: reject });
        });
        result.catch(function () {}); // also reported through xo:error; avoid a second log
      }
      if (name === "optOut" || name === "optIn") persistConsent(name);
      queue.push(entry);
      return result;
    };
  });
  GETTERS.forEach(function (name) {
    activity[name] = function () {
      return null;
    };
  });
  xo.init = function (config) {
    if (attached) return activity.init(config);
    queue.push(["init", config]);
  };

  var settle = {};
  xo.ready = new Promise(function (resolve, reject) {
    settle.resolve = resolve;
    settle.reject = reject;
  });
  xo.ready.catch(function () {});

  function bind(dispatch, name) {
    return function () {
      var answer = dispatch(name, Array.prototype.slice.call(arguments));
      if (answer.ok) return answer.value;
      var ErrorType = answer.kind === "RangeError" ? RangeError : answer.kind === "Error" ? Error : TypeError;
      throw new ErrorType(answer.message);
    };
  }

  function run(entry) {
    var waiter = pending.get(entry);
    try {
      // Only the SDK's own queueable names: never an inherited Object method such as
      // "__defineSetter__" or "constructor".
      if (!Array.isArray(entry) || QUEUEABLE.indexOf(entry[0]) < 0) {
        throw new TypeError("Unknown _attraqt entry: " + JSON.stringify(entry && entry[0]));
      }
      var value = activity[entry[0]].apply(activity, entry.slice(1));
      if (value && typeof value.then === "function") { // refused later (held for pydantic, or worker mode)
        value.then(null, function (error) { report("queued call " + entry[0], error); });
      }
      if (waiter) waiter.resolve(value);
    } catch (error) {
      report("queued call " + (entry && entry[0]), error);
      if (waiter) waiter.reject(error);
    }
  }

  // Called once by xo_web/adapters/browser.py with the Python dispatcher: swap the stub for the SDK,
  // replay what was queued before boot, and run later pushes at once.
  xo.__attach = function (dispatch) {
    if (attached) return xo;
    attached = true;
    QUEUEABLE.concat(GETTERS).forEach(function (name) {
      activity[name] = bind(dispatch, name);
    });
    xo.init = function (config) {
      return activity.init(config);
    };
    reclaimEarly();
    var backlog = queue.splice(0, queue.length);
    queue.push = function () {
      for (var i = 0; i < arguments.length; i++) run(arguments[i]);
      return queue.length;
    };
    backlog.forEach(run);
    takePending().forEach(function (record) { replay(dispatch, record); });
    settle.resolve(xo);
    return xo;
  };

  // Before ready, calls live in this page's memory: at page hide (or a tab switch) the ones
  // the next page may replay are kept under attraqtpending:<id>; a page that boots after all
  // takes its key back, unless another page already replayed those calls.
  function keepEarly() {
    if (attached) return;
    var calls = queue.filter(function (e) { return Array.isArray(e) && REPLAYABLE.indexOf(e[0]) >= 0; });
    if (!calls.length && !early.key) return;
    early.key = early.key || pendingKey();
    early.calls = persistPending(early.key, calls.length ? [{ user: null, calls: calls, tries: 0 }] : []) &&
      calls.length ? calls : null;
  }
  function reclaimEarly() {
    if (!early.key) return;
    var taken = early.calls && readStorage(early.key) === null;
    persistPending(early.key, []);
    if (taken) { // another page replays the sends: here they only settle (setters still run)
      early.calls.forEach(function (entry) {
        if (entry[0] !== "send") return;
        var at = queue.indexOf(entry), waiter = pending.get(entry);
        if (at >= 0) queue.splice(at, 1);
        if (waiter) waiter.resolve(null);
      });
    }
    early.key = early.calls = null;
  }
  w.addEventListener("pagehide", keepEarly);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") keepEarly();
    else if (!attached) reclaimEarly();
  });

  function pendingKey() {
    return PENDING + Date.now() + "-" + Math.random().toString(36).slice(2);
  }

  // The one place calls are written for a later page (records: {user, calls, tries}); an
  // empty list removes the key. False when storage refused.
  function persistPending(key, records) {
    if (records.length && !xo.consent.mayStore()) return false; // no consent: nothing stored
    try {
      if (records.length) localStorage.setItem(key, JSON.stringify(records));
      else localStorage.removeItem(key);
      return true;
    } catch (error) {
      return false;
    }
  }

  // The one place a consent call is written before the SDK (or its worker) has it: a refusal
  // outlives the page at once, as the main thread's opt-out does, and drops the calls kept
  // for later pages.
  function persistConsent(name) {
    try {
      if (name === "optIn") return localStorage.removeItem(KEYS.optOut);
      localStorage.setItem(KEYS.optOut, "true");
      ownKeys().forEach(function (key) { if (key.indexOf(PENDING) === 0) localStorage.removeItem(key); });
    } catch (error) {
      report("consent", error);
    }
  }

  // Replays one record a gone page left: the SDK sends each send with the user it was called
  // with, without touching this page's user. Not initialized yet: kept for a later page.
  function replay(dispatch, record) {
    function failed(kind, message) {
      if (kind === "Error") persistPending(pendingKey(), [record]);
      else report("replay", new Error(message));
    }
    var answer = dispatch(REPLAY, [record]);
    if (!answer.ok) return failed(answer.kind, answer.message);
    Promise.resolve(answer.value).then(function (value) {
      (value && value.refused || []).forEach(function (message) { report("replay", new Error(message)); });
    }, function (error) {
      failed(error && error.constructor === Error ? "Error" : "TypeError", error && error.message);
    });
  }
  xo.__fail = function (error) {
    report("boot", error);
    settle.reject(error);
  };
