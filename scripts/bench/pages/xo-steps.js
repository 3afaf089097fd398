// xo.js's boot replayed one step at a time (the runtime as bare.js loads it, then the wheels,
// then the imports and install): performance.now() spans around each step. The import and
// install steps are synchronous, so their spans are main-thread blocking by construction; the
// wheels step is async (its blocking is read from the heartbeat inside its span).
(async function () {
  "use strict";
  var spans = {}, t = performance.now();
  function mark(name) { var now = performance.now(); spans[name] = [t, now - t]; t = now; }
  try {
    var runtime = new URL("/xo/pyodide/", location.href).href;
    var m = await import(runtime + "pyodide.mjs");
    mark("loader_module");
    var py = await m.loadPyodide({ indexURL: runtime, lockFileURL: runtime + "pyodide-lock.json", packageBaseUrl: runtime });
    mark("runtime");
    await py.loadPackage(["xo_web"], { messageCallback: function () {} });
    mark("wheels");
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
