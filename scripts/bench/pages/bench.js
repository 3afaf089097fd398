// Init script: the helpers every page shares. A page sets window.__ready (performance.now())
// when its SDK is usable, or window.__bootError; window.__send(activity) is its send().
(function () {
  "use strict";
  function activity(i) {
    return {
      action: "view",
      target: { product: "p-" + i, pathToPage: "/product/p-" + i },
      metadata: { price: 1999, quantity: 1, currency: "EUR" },
    };
  }
  function settle(promises) {
    return Promise.allSettled(promises.map(function (p) { return Promise.resolve(p); })).then(function (rs) {
      var ok = 0, failed = 0, firstError = null;
      rs.forEach(function (r) {
        var v = r.value;
        if (r.status === "fulfilled" && v && v.ok !== false && !(v.status >= 400)) ok++;
        else {
          failed++;
          if (!firstError) firstError = String(r.reason || JSON.stringify(v));
        }
      });
      return { ok: ok, failed: failed, firstError: firstError, t2: performance.now() };
    });
  }
  window.__bench = {
    activity: activity,
    // n sends in ONE fresh task; only the synchronous loop is timed (t0..t1); the promises
    // are awaited afterwards (t2 = all settled).
    timed: function (n) {
      return new Promise(function (resolve) {
        setTimeout(function () {
          var acts = [];
          for (var i = 0; i < n; i++) acts.push(activity(i));
          var ps = new Array(n);
          var t0 = performance.now();
          for (var j = 0; j < n; j++) ps[j] = window.__send(acts[j]);
          var t1 = performance.now();
          settle(ps).then(function (s) { s.t0 = t0; s.t1 = t1; resolve(s); });
        }, 0);
      });
    },
    // n sends, `chunk` per setTimeout task; stops issuing after budgetMs. Not awaited by the
    // bench: the result lands in window.__burstDone.
    paced: function (n, chunk, budgetMs) {
      var ps = [], i = 0, t0 = performance.now(), deadline = t0 + budgetMs;
      function step() {
        if (performance.now() > deadline) n = i;
        for (var k = 0; k < chunk && i < n; k++, i++) ps.push(window.__send(activity(i)));
        if (i < n) { setTimeout(step, 0); return; }
        var t1 = performance.now();
        settle(ps).then(function (s) { s.t0 = t0; s.t1 = t1; s.issued = i; window.__burstDone = s; });
      }
      setTimeout(step, 0);
    },
    storageChars: function () {
      var chars = 0;
      for (var i = 0; i < localStorage.length; i++) {
        var k = localStorage.key(i);
        chars += k.length + (localStorage.getItem(k) || "").length;
      }
      return chars;
    },
  };
})();
