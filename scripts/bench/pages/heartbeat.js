// Init script (context.add_init_script), runs before any script of the page: a setTimeout(0)
// chain. It records every gap over 10 ms between two ticks in window.__hb.gaps ([start, gap]
// pairs, page clock in ms); the bench counts gaps over 50 ms as blocking and sums (gap - 50).
// Chromium's `longtask` observer sees nothing of Pyodide's boot; this does.
(function () {
  "use strict";
  if (window.__hb) return;
  var hb = { gaps: [], ticks: 0, start: performance.now() };
  var last = hb.start;
  function tick() {
    var now = performance.now();
    if (now - last > 10) hb.gaps.push([last, now - last]);
    last = now;
    hb.ticks++;
    setTimeout(tick, 0);
  }
  setTimeout(tick, 0);
  window.__hb = hb;
})();
