// A tiny demo consent platform that speaks IAB TCF v2.2 (__tcfapi addEventListener), as a
// real CMP (OneTrust, Didomi, ...) does: xo.js finds it with no glue. It remembers the choice
// in its own localStorage key ("democmp", not an attraqt key). "Privacy choices" in the footer
// reopens the banner; refusing after accepting is a withdrawal. Before a refusal it lets the
// page record it (window.demoBeforeRefusal), while consent still holds.
"use strict";
(function () {
  const KEY = "democmp";
  const listeners = [];
  let choice = null;
  try { choice = localStorage.getItem(KEY); } catch (error) { /* blocked: ask again */ }

  function tcData(status, granted) {
    const purposes = {};
    for (let n = 1; n <= 10; n++) purposes[n] = granted;
    return {
      tcString: granted ? "demo-granted" : "demo-refused", gdprApplies: true, cmpStatus: "loaded",
      eventStatus: status, purpose: { consents: purposes, legitimateInterests: {} },
    };
  }
  function current(status) {
    return choice === null ? tcData("cmpuishown", false) : tcData(status, choice === "granted");
  }
  function tell(data) {
    listeners.forEach((cb, id) => cb(Object.assign({ listenerId: id }, data), true));
  }

  window.__tcfapi = function (command, version, callback) {
    if (command === "addEventListener") {
      const id = listeners.push(callback) - 1;
      callback(Object.assign({ listenerId: id }, current("tcloaded")), true);
    } else if (command === "ping") {
      callback({ cmpLoaded: true, cmpStatus: "loaded", gdprApplies: true }, true);
    }
  };

  async function decide(granted) {
    if (!granted && choice === "granted" && window.demoBeforeRefusal) {
      try { await window.demoBeforeRefusal(); } catch (error) { /* recorded or not: refuse */ }
    }
    choice = granted ? "granted" : "refused";
    try { localStorage.setItem(KEY, choice); } catch (error) { /* this page only */ }
    banner.hidden = true;
    tell(tcData("useractioncomplete", granted));
    if (granted) window.dispatchEvent(new CustomEvent("democmp:granted"));
  }

  const banner = document.createElement("section");
  banner.className = "cmp-banner";
  banner.setAttribute("aria-label", "Cookie consent");
  banner.innerHTML =
    "<p><b>Consent (demo CMP, IAB TCF v2.2).</b> This shop measures what you view and buy " +
    "(XO activities) only if you accept: until then nothing is stored or sent.</p>" +
    "<button type='button' data-cmp='accept'>Accept</button> " +
    "<button type='button' data-cmp='refuse' class='secondary'>Refuse</button>";
  banner.hidden = choice !== null;
  banner.addEventListener("click", (event) => {
    const button = event.target.closest("[data-cmp]");
    if (button) decide(button.dataset.cmp === "accept");
  });
  document.addEventListener("DOMContentLoaded", () => {
    document.body.prepend(banner);
    const open = document.getElementById("privacy-choices");
    if (open) open.addEventListener("click", (event) => { event.preventDefault(); banner.hidden = false; });
  });
})();
