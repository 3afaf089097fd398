// xo.js's boot replayed one step at a time (the runtime as bare.js loads it, then the wheels,
// then the imports and install): performance.now() spans around each step. The import and
// install steps are synchronous, so their spans are main-thread blocking by construction; the
// wheels step is async (its blocking is read from the heartbeat inside its span). Between the
// wheels and the import, the modules xo.js imports in slices (its BOOT_MODULES, read from the
// bundle's xo.js; none for a bundle without them), as xo.js does: SLICE_MS, then a yield;
// with xo.js's XO_WEB_HTTP_PATCH (pyodide-http's patch after ready) when the bundle sets it.
(async function () {
  "use strict";
  var spans = {}, t = performance.now(), sliced = [], sliceMs = 10;
  function mark(name) { var now = performance.now(); spans[name] = [t, now - t]; t = now; }
  function yieldTask() {
    return new Promise(function (r) { var c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
  }
  try {
    var loader = await (await fetch("/xo/xo.js")).text();
    var found = /var BOOT_MODULES = (\[[^\]]*\]);/.exec(loader);
    if (found) sliced = JSON.parse(found[1]);
    found = /var SLICE_MS = (\d+);/.exec(loader);
    if (found) sliceMs = Number(found[1]);
    var env = /XO_WEB_HTTP_PATCH: "idle"/.test(loader) ? { XO_WEB_HTTP_PATCH: "idle" } : {};
    t = performance.now();
    var runtime = new URL("/xo/pyodide/", location.href).href;
    var m = await import(runtime + "pyodide.mjs");
    mark("loader_module");
    var py = await m.loadPyodide({ indexURL: runtime, lockFileURL: runtime + "pyodide-lock.json", packageBaseUrl: runtime, env: env });
    mark("runtime");
    await py.loadPackage(["xo_web"], { messageCallback: function () {} });
    mark("wheels");
    for (var i = 0, slice = performance.now(); i < sliced.length; i++) {
      if (performance.now() - slice > sliceMs) { await yieldTask(); slice = performance.now(); }
      try { py.pyimport(sliced[i]).destroy(); } catch (e) { /* the import below decides */ }
    }
    mark("sliced_imports");
    var adapter = py.pyimport("xo_web.adapters.browser");
    mark("import_sync");
    adapter.install({ trackerKey: "bench", region: "eu" });
    mark("install_sync");
    await xo.ready;
    window.__spans = spans;
    window.__ready = performance.now();
  } catch (e) {
    window.__bootError = String(e);
  }
})();
