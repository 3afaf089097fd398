// Init script for the "own cost" per-call figure: window.fetch answers at once, for BOTH SDKs,
// so no request reaches the network stack (and nothing is intercepted by Playwright).
(function () {
  "use strict";
  var body = '{"profiles":{}}';
  window.__fetchCalls = 0;
  window.fetch = function () {
    window.__fetchCalls++;
    return Promise.resolve(new Response(body, { status: 200, headers: { "Content-Type": "application/json" } }));
  };
})();
