  // prelude: the values `xo-web build` fills in, the worker's entry, and where this file came from.
  "use strict";
  var QUEUEABLE = __XO_QUEUEABLE__;
  var GETTERS = __XO_GETTERS__;
  var PACKAGES = __XO_PACKAGES__;
  // Skips pydantic's importlib.metadata scan for plugins; XO_WEB_HTTP_PATCH: these pages run no
  // Python of their own, so xo_web patches urllib (pyodide-http) in idle time after boot.
  var ENV = { PYDANTIC_DISABLE_PLUGINS: "__all__", XO_WEB_HTTP_PATCH: "idle" };
  // Imported a few per task before install() (xo_web/bundler/boot_modules.py), so importing
  // pydantic and the standard library is not one long task on the page's main thread.
  var BOOT_MODULES = __XO_BOOT_MODULES__;
  var SLICE_MS = 10;
  var KEYS = __XO_KEYS__; // xo_web/core/keys.py
  var PREFIX = KEYS.prefix, OUTBOX = KEYS.outbox, PENDING = KEYS.pending;
  var UNLOAD = __XO_UNLOAD__; // xo_web/delivery/unload.py and dispatch.py: chunk and budget

  if (typeof document === "undefined") return workerMain();

  var w = window;
  var xo = (w.xo = w.xo || {});
  if (xo.__attach) return; // loaded twice: the first copy owns the page

  var script = document.currentScript;
  if (!script || !script.src) {
    // No currentScript (a module or a callback loaded this file): accept only an unambiguous
    // script whose path ends in /xo.js; never guess between several, from any origin.
    var found = Array.prototype.filter.call(document.scripts, function (s) {
      return s.src && /\/xo\.js$/.test(new URL(s.src, location.href).pathname);
    });
    var bases = found.map(function (s) { return new URL(".", s.src).href; });
    if (!bases.length || bases.some(function (b) { return b !== bases[0]; })) {
      throw new Error("[xo_web] xo.js cannot tell where it was loaded from: load it with a plain <script src> tag");
    }
    script = found[found.length - 1];
  }
  var base = new URL(".", script.src).href;
  var data = script.dataset || {};
