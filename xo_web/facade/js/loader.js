  // loader: booting Pyodide and xo_web, on the page or in a worker, and the sliced imports.
  if (data.boot === "false") return;

  var runtime = base + "pyodide/";
  var config = {
    trackerKey: data.trackerKey || null,
    region: data.region || null,
    collectUrl: data.collectUrl || null,
    consent: data.consent || null,
    consentBuffer: data.consentBuffer ? Number(data.consentBuffer) : null,
    sessionCookie: data.sessionCookie === undefined ? null : data.sessionCookie !== "false",
  };
  // A boot that never finishes (a stalled wasm fetch) must not leave xo.ready and every stub
  // Promise pending: after BOOT_TIMEOUT_MS a worker gives way to the main thread, and a main
  // thread boot that is still not ready rejects xo.ready (the calls stay queued, kept for the
  // next page at page hide, and run if the boot finishes after all).
  var BOOT_TIMEOUT_MS = Number(data.bootTimeout) || 60000;
  // data-worker is a boolean attribute: present (any value but "false") starts worker mode.
  var inWorker = data.worker !== undefined && data.worker !== "false";
  if (!inWorker || !bootInWorker(0)) bootHere();

  function bootHere() {
    var timer = setTimeout(function () {
      if (!attached) xo.__fail(new Error("xo_web did not boot within " + BOOT_TIMEOUT_MS + " ms"));
    }, BOOT_TIMEOUT_MS);
    loadRuntime(runtime)
      .then(importInSlices)
      .then(function (pyodide) {
        xo.pyodide = pyodide;
        pyodide.pyimport("xo_web.adapters.browser").install(config);
      })
      .catch(xo.__fail)
      .finally(function () { clearTimeout(timer); });
  }

  // Worker mode: this file again, as a module worker; the page keeps only the bridge. A
  // bundle on another origin (a CDN) cannot be a worker's script, so the next try is a
  // one-line module from a blob: URL that imports it (with CORS, as the main thread needs
  // too). Where no worker starts (CSP worker-src, an opaque-origin frame) or each fails before
  // it is ready, the SDK boots on the main thread with a warning: tracking matters more than
  // where it runs.
  function bootInWorker(from) {
    var makers = [
      function () { return new Worker(script.src, { type: "module" }); },
      function () {
        var module = "import " + JSON.stringify(script.src) + ";";
        return new Worker(URL.createObjectURL(new Blob([module], { type: "text/javascript" })), { type: "module" });
      },
    ];
    for (var i = from || 0; i < makers.length; i++) {
      try {
        watchWorker(makers[i](), i);
        return true;
      } catch (error) {
        console.warn("[xo_web] a worker could not start: " + (error && error.message || error));
      }
    }
    return false;
  }

  function watchWorker(worker, index) {
    var channel = new MessageChannel();
    var bridge = connect(channel.port1);
    bridges.set(worker, bridge);
    var gaveUp = false;
    // Before it is ready, a worker that fails to start is dropped for the next way to start
    // one; a worker whose runtime failed (it reported a failed boot) or that is still not
    // ready after BOOT_TIMEOUT_MS gives way to the main thread at once.
    function giveUp(reason, nextWorker) {
      if (gaveUp || bridge.meta) return;
      gaveUp = true;
      clearTimeout(timer);
      console.warn("[xo_web] a worker failed to start (" + reason + ")");
      worker.terminate();
      channel.port1.close();
      xo.worker = null;
      if (!nextWorker || !bootInWorker(index + 1)) {
        console.warn("[xo_web] no worker could start: booting on the main thread");
        bootHere();
      }
    }
    var timer = setTimeout(function () { giveUp("not ready after " + BOOT_TIMEOUT_MS + " ms"); }, BOOT_TIMEOUT_MS);
    bridge.onBootFailure = function (error) { giveUp(error.message); };
    bridge.onReady = function () { clearTimeout(timer); };
    worker.addEventListener("error", function (event) {
      if (bridge.meta) return report("worker", new Error(event.message || "worker error"));
      event.preventDefault();
      giveUp(event.message || "error", true); // the next way to start a worker may work
    });
    worker.postMessage({ xo: "boot", runtime: runtime, config: config, attach: attachMessage() }, [channel.port2]);
    xo.worker = worker;
  }

  // The bundled Pyodide with xo_web and its wheels, on the page or in a worker.
  function loadRuntime(runtime) {
    return import(runtime + "pyodide.mjs").then(function (mod) {
      return mod.loadPyodide({
        indexURL: runtime,
        lockFileURL: runtime + "pyodide-lock.json",
        packageBaseUrl: runtime,
        packages: PACKAGES,
        env: ENV,
      });
    });
  }

  // Imports BOOT_MODULES for at most SLICE_MS per task, then lets the page run; resolves with
  // pyodide. A name that fails is skipped: install()'s own import then raises the real error.
  function importInSlices(pyodide) {
    return new Promise(function (resolve) {
      var next = 0, channel = new MessageChannel();
      channel.port1.onmessage = function () {
        var start = performance.now();
        while (next < BOOT_MODULES.length && performance.now() - start < SLICE_MS) {
          try { pyodide.pyimport(BOOT_MODULES[next]).destroy(); } catch (error) { /* see above */ }
          next++;
        }
        if (next < BOOT_MODULES.length) return channel.port2.postMessage(0);
        channel.port1.close();
        resolve(pyodide);
      };
      channel.port2.postMessage(0);
    });
  }
