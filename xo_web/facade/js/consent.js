  // consent: the consent platforms on the page, found with no glue and listened to for the
  // page's life (IAB TCF v2.2, also through a __tcfapiLocator frame; IAB GPP; Google Consent
  // Mode v2 on dataLayer), and their verdict for the SDK (docs/consent.md). Each platform says
  // "pending" (deciding: a banner is up), "granted" or "denied" (refused, or errored); the
  // stricter wins. The verdict: "none" (no platform), "pending", "unanswered" (still pending
  // past data-consent-wait ms), "granted" or "denied". The SDK (main thread or worker) takes
  // it from xo.consent.listen and tells back its own state through xo.consent.sdk(state).
  var CONSENT_OPTIONS = {
    wait: Number(data.consentWait) >= 0 && data.consentWait !== "" ? Number(data.consentWait) : 500,
    tcfConsent: numbers(data.tcfConsent, [1]), // purposes that need consent
    tcfMeasure: numbers(data.tcfMeasure, [7, 8, 9, 10]), // consent or legitimate interest
    gcmTypes: (data.gcmTypes || "analytics_storage").split(",").map(function (s) { return s.trim(); }),
  };
  var platforms = {}, listeners = [], verdict = "none", waited = false, sdkState = null;
  var tcfOn = false, gppOn = false, gcmLayer = null, gcmSeen = 0, gcmDefault = {}, gcmUpdate = {};

  xo.consent = {
    options: CONSENT_OPTIONS,
    platforms: platforms, // name -> "pending" | "granted" | "denied", for pages and the demo
    verdict: function () { return verdict; },
    listen: function (fn) { listeners.push(fn); fn(verdict); },
    sdk: function (state) { sdkState = state; }, // the SDK's "pending" | "granted" | "denied"
    state: function () { return sdkState; },
    // May the page's own code (page-hide writes) store anything now? Once the SDK runs, only
    // while it says granted. Before that, never while a platform refuses or is still deciding;
    // with no platform (or one past the wait) only outside the opt-in mode.
    mayStore: function () {
      if (sdkState) return sdkState === "granted";
      if (verdict === "granted") return true;
      return (verdict === "none" || verdict === "unanswered") && !requiredMode();
    },
  };

  function numbers(text, fallback) {
    if (typeof text !== "string") return fallback;
    return text.split(",").map(Number).filter(function (n) { return n > 0; });
  }

  function requiredMode() {
    return data.consent === "required" || queue.some(function (entry) {
      var c = Array.isArray(entry) && entry[0] === "init" && entry[1];
      return c && (c.consent === "required" || (c.activity && c.activity.consent === "required"));
    });
  }

  function setPlatform(name, value) {
    if (value) platforms[name] = value;
    else delete platforms[name];
    var names = Object.keys(platforms);
    function some(v) { return names.some(function (n) { return platforms[n] === v; }); }
    var next = some("denied") ? "denied" : some("pending") ? (waited ? "unanswered" : "pending")
      : some("granted") ? "granted" : "none";
    if (next === verdict) return;
    verdict = next;
    listeners.forEach(function (fn) {
      try { fn(verdict); } catch (error) { report("consent", error); }
    });
  }

  // TCF v2.2: decide on tcloaded / useractioncomplete; cmpuishown (and loading) is pending.
  function tcfVerdict(tc, success) {
    if (success === false || !tc || tc.cmpStatus === "error") return "denied";
    if (tc.gdprApplies === false) return "granted";
    if (tc.eventStatus !== "tcloaded" && tc.eventStatus !== "useractioncomplete") return "pending";
    var purpose = tc.purpose || {}, given = purpose.consents || {}, li = purpose.legitimateInterests || {};
    var ok = CONSENT_OPTIONS.tcfConsent.every(function (n) { return given[n] === true; }) &&
      CONSENT_OPTIONS.tcfMeasure.every(function (n) { return given[n] === true || li[n] === true; });
    return ok ? "granted" : "denied";
  }

  // The __tcfapi of an ancestor frame that holds a __tcfapiLocator child, over postMessage.
  function tcfThroughFrame() {
    var frame = w, calls = {}, next = 0;
    for (var depth = 0; depth < 10; depth++) {
      try { if (frame.frames.__tcfapiLocator) break; } catch (error) { /* keep climbing */ }
      if (frame === w.top) return null;
      frame = frame.parent;
    }
    if (depth === 10) return null;
    w.addEventListener("message", function (event) {
      var m = event.data;
      if (typeof m === "string") { try { m = JSON.parse(m); } catch (error) { return; } }
      var r = m && m.__tcfapiReturn;
      if (r && event.source === frame && calls[r.callId]) calls[r.callId](r.returnValue, r.success);
    });
    return function (command, version, callback, parameter) {
      var id = "xo-" + ++next;
      calls[id] = callback;
      frame.postMessage({ __tcfapiCall: { command: command, parameter: parameter, version: version, callId: id } }, "*");
    };
  }

  function tcfListen() {
    if (tcfOn) return;
    var api = typeof w.__tcfapi === "function" ? w.__tcfapi : tcfThroughFrame();
    if (!api) return;
    tcfOn = true;
    setPlatform("tcf", "pending");
    try {
      api("addEventListener", 2, function (tc, success) { setPlatform("tcf", tcfVerdict(tc, success)); });
    } catch (error) { setPlatform("tcf", "denied"); }
  }

  // GPP: a US section (usnat, the states: ids 7 and up) opted out of sale, sharing or targeted
  // advertising is a refusal; "not ready" is pending; no US section applicable: no say.
  function gppVerdict(event, success) {
    var ping = (event && event.pingData) || event || {};
    if (success === false || ping.cmpStatus === "error") return "denied";
    if (ping.signalStatus !== "ready") return "pending";
    var applicable = (ping.applicableSections || []).some(function (id) { return id >= 7; });
    if (!applicable) return null;
    var parsed = ping.parsedSections || {};
    var out = Object.keys(parsed).some(function (name) {
      return /^us/.test(name) && [].concat(parsed[name]).some(function (s) {
        return s && (s.SaleOptOut === 1 || s.SharingOptOut === 1 || s.TargetedAdvertisingOptOut === 1);
      });
    });
    return out ? "denied" : "granted";
  }

  function gppListen() {
    if (gppOn || typeof w.__gpp !== "function") return;
    gppOn = true;
    setPlatform("gpp", "pending");
    try {
      w.__gpp("addEventListener", function (event, success) { setPlatform("gpp", gppVerdict(event, success)); });
    } catch (error) { setPlatform("gpp", "denied"); }
  }

  // Google Consent Mode v2: gtag('consent', 'default' | 'update', {...}) entries on dataLayer,
  // those pushed before this file too. Defaults (every region's: the strictest) are not a
  // decision: denied by default is pending until an update; an update decides.
  function gcmListen() {
    var layer = w.dataLayer;
    if (!Array.isArray(layer) || layer === gcmLayer) return;
    gcmLayer = layer;
    gcmSeen = 0;
    var push = layer.push;
    layer.push = function () {
      var result = push.apply(this, arguments);
      try { gcmScan(); } catch (error) { report("consent", error); }
      return result;
    };
    gcmScan();
  }

  function gcmScan() {
    for (; gcmSeen < gcmLayer.length; gcmSeen++) {
      var e = gcmLayer[gcmSeen];
      if (!e || typeof e !== "object" || e[0] !== "consent" || !e[2] || typeof e[2] !== "object") continue;
      if (e[1] !== "default" && e[1] !== "update") continue;
      CONSENT_OPTIONS.gcmTypes.forEach(function (type) {
        var v = e[2][type];
        if (v !== "granted" && v !== "denied") return;
        if (e[1] === "update") gcmUpdate[type] = v;
        else if (gcmDefault[type] !== "denied") gcmDefault[type] = v;
      });
    }
    var types = CONSENT_OPTIONS.gcmTypes.filter(function (t) { return gcmUpdate[t] || gcmDefault[t]; });
    if (!types.length) return;
    var denied = types.filter(function (t) { return (gcmUpdate[t] || gcmDefault[t]) === "denied"; });
    setPlatform("gcm", !denied.length ? "granted"
      : denied.some(function (t) { return gcmUpdate[t] === "denied"; }) ? "denied" : "pending");
  }

  function discover() {
    try { tcfListen(); gppListen(); gcmListen(); } catch (error) { report("consent", error); }
  }
  discover();
  // Platforms loaded later (async tags, tag managers) are looked for during the first 10 s.
  var looks = 0, looking = setInterval(function () {
    discover();
    if (++looks >= 100) clearInterval(looking);
  }, 100);
  setTimeout(function () {
    waited = true;
    setPlatform("wait", null); // recompute: a platform still pending is now "unanswered"
  }, CONSENT_OPTIONS.wait);
