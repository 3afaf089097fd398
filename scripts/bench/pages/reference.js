// The official JS SDK (@attraqt/activity 1.7.1, bundled by scripts/build-reference-sdk.mjs).
// With ?sink its (hard-coded) collector URL is pointed at the bench server's /sink/.
(function () {
  "use strict";
  var ref = (window.ref = new AttraqtReference.Activity());
  ref.init({ trackerKey: "bench", region: "eu" });
  if (/[?&]sink\b/.test(location.search)) ref.apiUrl = location.origin + "/sink/reference";
  ref.addUserIdentity("ecommerceId", "c-1");
  ref.addUserSegment("vip");
  ref.addUserTrait("tier", "gold");
  window.__send = ref.send.bind(ref);
  window.__ready = performance.now();
})();
