// The page's own JavaScript: it uses the same SDK through window.xo.activity, the API of the
// official JS SDK, while the storefront itself is Python (app.py).
const LABEL = (activity) => `${activity.action} ${activity.target.product || ""}`.trim();

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-js-save]");
  if (!button) return;
  event.preventDefault();
  const activity = { action: "save-for-later", target: { product: button.dataset.product } };
  let detail;
  try {
    await window.xo.ready;
    const outcome = await window.xo.activity.send(activity);
    detail = { label: LABEL(activity), ok: Boolean(outcome && outcome.ok), status: outcome ? outcome.status : "not sent" };
    button.textContent = "♥ Saved";
    button.disabled = true;
  } catch (error) {
    detail = { label: LABEL(activity), ok: false, status: String(error.message || error) };
  }
  window.dispatchEvent(new CustomEvent("demo:sent", { detail }));
});

// Delivery problems never throw into page code: they arrive as `xo:error` events.
window.addEventListener("xo:error", (event) => {
  const toast = document.createElement("div");
  toast.className = "toast";
  toast.textContent = `XO delivery problem: ${event.detail.message}`;
  document.body.append(toast);
  setTimeout(() => toast.remove(), 5000);
});

// Consent: show the SDK's state, and record each decision as a "consent" activity (a consent
// receipt) while consent holds: right after a grant, and just before a refusal (cmp.js asks
// for it), so the inspector can show each session's consent.
window.xo.consent.listen(async () => {
  await window.xo.ready;
  document.getElementById("xo-consent").textContent = await window.xo.activity.getConsent();
});
const receipt = (state) => window.xo.activity.send({ action: "consent", target: { state, platform: "tcf" } });
window.addEventListener("democmp:granted", () => receipt("granted"));
window.demoBeforeRefusal = () =>
  Promise.race([receipt("withdrawn"), new Promise((resolve) => setTimeout(resolve, 2000))]);
