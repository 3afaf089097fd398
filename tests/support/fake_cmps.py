"""Fake consent platforms for Chromium tests, installed with ``add_init_script``: IAB TCF v2.2
(``__tcfapi`` and a ``__tcfapiLocator`` frame answering ``postMessage`` calls), IAB GPP
(``__gpp``) and Google Consent Mode v2 (``gtag`` on ``dataLayer``).

Each is driven from the test: ``window.fakeTcf.emit(tcData)``, ``window.fakeGpp.emit(ping)``,
``gtag('consent', 'update', {...})``. They live in the top frame only, as a CMP does.
"""

from __future__ import annotations

import json
from typing import Any

_SCRIPT = """
(function () {
  var cfg = __CONFIG__;
  if (window !== window.top) return;
  if (cfg.tcf !== undefined) {
    var tcfListeners = [], tcfState = cfg.tcf; // null: a CMP that never answers
    window.__tcfapi = function (command, version, callback) {
      if (command === "addEventListener") {
        var id = tcfListeners.push(callback) - 1;
        if (tcfState) callback(Object.assign({ listenerId: id }, tcfState), true);
      } else if (command === "ping") {
        callback({ cmpLoaded: true, cmpStatus: "loaded" }, true);
      }
    };
    window.fakeTcf = {
      emit: function (state) {
        tcfState = state;
        tcfListeners.forEach(function (cb, id) {
          cb(Object.assign({ listenerId: id }, state), true);
        });
      },
      listeners: function () { return tcfListeners.length; },
    };
    window.addEventListener("message", function (event) {
      var call = event.data && event.data.__tcfapiCall;
      if (!call) return;
      window.__tcfapi(call.command, call.version, function (value, success) {
        var answer = { returnValue: value, success: success, callId: call.callId };
        event.source.postMessage({ __tcfapiReturn: answer }, "*");
      }, call.parameter);
    });
    var addLocator = function () {
      var frame = document.createElement("iframe");
      frame.name = "__tcfapiLocator";
      frame.style.display = "none";
      document.documentElement.appendChild(frame);
    };
    if (document.documentElement) addLocator();
    else document.addEventListener("readystatechange", addLocator, { once: true });
  }
  if (cfg.gpp !== undefined) {
    var gppListeners = [], gppState = cfg.gpp;
    window.__gpp = function (command, callback) {
      if (command !== "addEventListener") return;
      var id = gppListeners.push(callback) - 1;
      var event = { eventName: "listenerRegistered", listenerId: id, pingData: gppState };
      if (gppState) callback(event, true);
    };
    window.fakeGpp = {
      emit: function (state) {
        gppState = state;
        gppListeners.forEach(function (cb, id) {
          cb({ eventName: "signalStatus", listenerId: id, data: "ready", pingData: state }, true);
        });
      },
    };
  }
  if (cfg.gcm !== undefined) {
    window.dataLayer = window.dataLayer || [];
    window.gtag = function () { window.dataLayer.push(arguments); };
    window.gtag("js", new Date());
    window.gtag("consent", "default", cfg.gcm);
  }
})();
"""


def fake_cmps(**config: Any) -> str:
    """Return the init script installing the platforms named in ``config``: ``tcf`` (the first
    TCData answered, None: never answers), ``gpp`` (the first ping data), ``gcm`` (the
    ``gtag('consent', 'default', ...)`` object)."""
    return _SCRIPT.replace("__CONFIG__", json.dumps(config))


def tc_data(
    status: str = "tcloaded",
    *,
    consents: tuple[int, ...] = (),
    interests: tuple[int, ...] = (),
    gdpr_applies: bool | None = True,
    cmp_status: str = "loaded",
) -> dict[str, Any]:
    """A TCData object as a TCF v2.2 CMP gives it (purposes by number)."""
    return {
        "tcString": "CPfake",
        "gdprApplies": gdpr_applies,
        "eventStatus": status,
        "cmpStatus": cmp_status,
        "purpose": {
            "consents": {str(n): True for n in consents},
            "legitimateInterests": {str(n): True for n in interests},
        },
    }


TCF_GRANTED = tc_data("useractioncomplete", consents=(1,), interests=(7, 8, 9, 10))
TCF_REFUSED = tc_data("tcloaded")
TCF_UI_SHOWN = tc_data("cmpuishown", interests=tuple(range(2, 11)))


def gpp_ping(*, sale_opt_out: int = 2, ready: bool = True) -> dict[str, Any]:
    """GPP ping data with the usnat section applicable (1 = opted out, 2 = did not)."""
    return {
        "gppVersion": "1.1",
        "cmpStatus": "loaded",
        "signalStatus": "ready" if ready else "not ready",
        "applicableSections": [7],
        "parsedSections": {
            "usnat": [
                {
                    "SaleOptOut": sale_opt_out,
                    "SharingOptOut": 2,
                    "TargetedAdvertisingOptOut": 2,
                },
            ]
        },
    }
