// Bare Pyodide, loaded the way xo.js loads it (same indexURL, lock and package base), without
// packages: the baseline of every boot figure.
(function () {
  "use strict";
  var runtime = new URL("/xo/pyodide/", location.href).href;
  import(runtime + "pyodide.mjs")
    .then(function (m) {
      return m.loadPyodide({ indexURL: runtime, lockFileURL: runtime + "pyodide-lock.json", packageBaseUrl: runtime });
    })
    .then(
      function (pyodide) { window.__pyodide = pyodide; window.__ready = performance.now(); },
      function (e) { window.__bootError = String(e); }
    );
})();
