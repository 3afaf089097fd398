// Live view of the demo collector: polls /api/activities and /api/profiles every second.
// Every value comes from untrusted activity payloads: render with textContent only.
"use strict";

(function () {
  const POLL_MS = 1000;
  let lastId = 0;
  let activityCount = 0;
  const profileOf = new Map(); // activity id -> profile id
  const sessions = new Map(); // session id -> {activities, consent}

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function show(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function keyValues(obj) {
    const cell = el("td");
    if (obj && typeof obj === "object") {
      for (const [k, v] of Object.entries(obj)) {
        const line = el("span", "kv mono");
        line.append(el("b", "", k + ": "), document.createTextNode(show(v)));
        cell.append(line);
      }
    }
    return cell;
  }

  function chips(list) {
    const cell = el("td");
    if (Array.isArray(list)) for (const s of list) cell.append(el("span", "chip", show(s)));
    return cell;
  }

  function shortTime(iso) {
    const t = String(iso || "");
    const i = t.indexOf("T");
    return i >= 0 ? t.slice(i + 1, i + 13) : t;
  }

  function activityRow(item) {
    const a = item.activity || {};
    const user = a.user || {};
    const tr = el("tr", "fresh");
    tr.dataset.id = String(item.id);
    tr.append(el("td", "mono", item.id));
    const when = el("td", "mono", shortTime(item.receivedAt));
    when.title = String(item.receivedAt);
    tr.append(when);
    // The Via header the request came with: "1.1 xo-web-relay" when the first-party relay
    // brought it (the storefront sends through it), empty when the page posted directly.
    const relayed = typeof item.via === "string" && item.via.includes("xo-web-relay");
    const via = el("td", relayed ? "via relay" : "via direct", relayed ? "relay" : "direct");
    via.title = item.via ? "Via: " + String(item.via) : "no Via header: posted directly";
    tr.append(via);
    const action = el("td", "action" + (a.opposite ? " opposite" : ""), (a.opposite ? "¬ " : "") + show(a.action));
    tr.append(action);
    tr.append(keyValues(a.target));
    tr.append(keyValues(user.identities));
    tr.append(chips(user.segments));
    tr.append(keyValues(user.traits));
    tr.append(el("td", "mono profile-ref", profileOf.get(item.id) || ""));
    return tr;
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return response.json();
  }

  async function pollActivities() {
    for (;;) {
      const page = await getJson("/api/activities?since=" + lastId);
      if (!Array.isArray(page) || page.length === 0) return;
      const body = $("activities");
      for (const item of page) {
        body.prepend(activityRow(item)); // newest on top
        noteSession(item.activity || {});
        lastId = Math.max(lastId, item.id);
        activityCount += 1;
      }
      $("activity-count").textContent = String(activityCount);
      showSessions();
      $("no-activities").hidden = true;
      if (page.length < 1000) return;
    }
  }

  // Each session's consent: the state of its latest "consent" activity (the storefront's
  // receipt), or "not asked" when it has none.
  function noteSession(a) {
    const sid = show(((a.user || {}).identities || {}).sessionid || "?");
    const entry = sessions.get(sid) || { activities: 0, consent: "not asked" };
    entry.activities += 1;
    if (a.action === "consent" && a.target && a.target.state) entry.consent = show(a.target.state);
    sessions.set(sid, entry);
  }

  function showSessions() {
    const rows = [];
    for (const [sid, entry] of sessions) {
      const tr = el("tr");
      tr.append(el("td", "mono", sid), el("td", "mono", entry.activities));
      tr.append(el("td", "consent " + entry.consent.replace(/\W/g, "-"), entry.consent));
      rows.push(tr);
    }
    $("sessions").replaceChildren(...rows.reverse());
    $("session-count").textContent = String(sessions.size);
  }

  function profileCard(p) {
    const card = el("div", "profile " + (p.anonymous ? "anonymous" : "customer"));
    card.append(el("h3", "", (p.anonymous ? "anonymous " : "customer ") + p.profileId));
    const table = el("table");
    const add = (label, cell) => {
      const tr = el("tr");
      tr.append(el("th", "", label), cell);
      table.append(tr);
    };
    add("identities", keyValues(p.identities));
    add("sessions", chips(p.sessionIds));
    add("activities", el("td", "mono", p.activities + ": " + (p.activityIds || []).join(", ")));
    add("segments", chips(p.segments));
    add("traits", keyValues(p.traits));
    add("seen", el("td", "mono muted", shortTime(p.firstSeen) + " → " + shortTime(p.lastSeen)));
    card.append(table);
    return card;
  }

  async function pollProfiles() {
    const profiles = await getJson("/api/profiles");
    if (!Array.isArray(profiles)) return;
    profileOf.clear();
    const box = $("profiles");
    const cards = [];
    // newest activity first
    const newest = (p) => (p.activityIds || []).reduce((m, id) => (id > m ? id : m), 0);
    profiles.sort((a, b) => newest(b) - newest(a));
    for (const p of profiles) {
      for (const id of p.activityIds || []) profileOf.set(id, p.profileId);
      cards.push(profileCard(p));
    }
    box.replaceChildren(...cards);
    $("profile-count").textContent = String(profiles.length);
    $("no-profiles").hidden = profiles.length > 0;
    // stitching is retroactive: refresh the profile column of the rows already shown
    for (const cell of document.querySelectorAll("#activities tr")) {
      const ref = cell.querySelector(".profile-ref");
      if (ref) ref.textContent = profileOf.get(Number(cell.dataset.id)) || "";
    }
  }

  async function tick() {
    if (!$("paused").checked) {
      const status = $("status");
      try {
        await pollActivities();
        await pollProfiles();
        status.textContent = "live · " + new Date().toLocaleTimeString();
        status.className = "status ok";
      } catch (err) {
        status.textContent = "collector unreachable";
        status.className = "status down";
        console.warn(err);
      }
    }
    setTimeout(tick, POLL_MS);
  }

  tick();
})();
