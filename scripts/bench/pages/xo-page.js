// After xo.js: queue a user (as a storefront would before boot) and mark ready.
(function () {
  "use strict";
  xo.activity.addUserIdentity("ecommerceId", "c-1");
  xo.activity.addUserSegment("vip");
  xo.activity.addUserTrait("tier", "gold");
  xo.ready.then(
    function () {
      window.__send = xo.activity.send.bind(xo.activity);
      window.__ready = performance.now();
    },
    function (e) { window.__bootError = String(e); }
  );
})();
