  // worker: inside the module worker that data-worker starts.

  function workerMain() {
    self.addEventListener("message", function boot(event) {
      var data = event.data, port = event.ports && event.ports[0];
      if (!data || data.xo !== "boot" || !port) return;
      self.removeEventListener("message", boot);
      loadRuntime(data.runtime)
        .then(function (pyodide) {
          pyodide.pyimport("xo_web.adapters.worker").install(data.config, port, data.attach);
        })
        .catch(function (error) {
          port.postMessage({ xo: "report", detail: { stage: "boot", message: String(error && error.message || error) } });
        });
    });
  }
