/* replyassist desk: plain JavaScript, no build step, no dependencies.
 * Talks to the service's JSON API (/v1/suggest, /desk/api/...). Every text from the customer or the
 * corpus is inserted with textContent (never innerHTML). */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    if (props) for (const [k, v] of Object.entries(props)) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
      else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  };

  // replaceChildren without the null/undefined of optional parts
  const fill = (node, ...kids) => node.replaceChildren(...kids.filter((k) => k != null));

  const state = {
    auth: false, key: sessionStorage.getItem("replyassist.key") || "",
    entries: [], entryById: {}, message: null, suggestion: null, shown: null, chosen: null,
    queueId: null, busy: false, toneTimer: null, toneSeq: 0,
  };

  // ---- status and API ----
  function status(text, kind) {
    const s = $("status"); s.textContent = text || ""; s.className = kind || "";
  }
  async function api(path, body, method) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.key) headers["X-API-Key"] = state.key;
    let r;
    try {
      r = await fetch(path, { method: method || (body === undefined ? "GET" : "POST"), headers,
                              body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new Error("The service cannot be reached (" + e.message + ").");
    }
    const ct = r.headers.get("content-type") || "";
    const data = ct.includes("json") ? await r.json() : await r.text();
    if (!r.ok) {
      const err = (data && data.error) || { code: "E" + r.status, message: String(data).slice(0, 200) };
      if (err.code === "E601") { askKey(); }
      const ex = new Error(err.code + ": " + err.message); ex.code = err.code; throw ex;
    }
    return data;
  }
  function askKey() {
    $("keyform").hidden = false; $("apikey").focus();
    status("This service needs an API key: enter it above (it is kept in this tab only).", "error");
  }

  // ---- start ----
  async function start() {
    $("agent").value = localStorage.getItem("replyassist.agent") || "";
    try {
      const ready = await api("/readyz");
      state.auth = !!ready.auth;
      if (state.auth && !state.key) { askKey(); return; }
      await loadConfig();
    } catch (e) { status(e.message, "error"); }
  }
  async function loadConfig() {
    const cfg = await api("/desk/api/config");
    state.entries = cfg.entries; state.entryById = {};
    const sel = $("entry-select");
    sel.replaceChildren(el("option", { value: "", text: "…" }));
    for (const e of cfg.entries) {
      state.entryById[e.id] = e;
      const q = e.questions.en || Object.values(e.questions)[0] || "";
      sel.append(el("option", { value: e.id, text: e.id + " — " + q }));
    }
    $("corpus").textContent = "corpus " + cfg.corpus + " · " + cfg.entries.length + " entries · " +
      (cfg.feedback ? "feedback → " + cfg.feedback + (cfg.learning ? " (learning)" : "") : "no feedback store");
    state.hasStore = !!cfg.feedback;
    if (state.hasStore) await loadQueue();
    status("Ready.", "ok");
    $("message").focus();
  }

  // ---- queue ----
  async function loadQueue() {
    const q = await api("/desk/api/queue");
    $("queue-count").textContent = "(" + q.count + ")";
    const ol = $("queue"); ol.replaceChildren();
    for (const it of q.items) {
      const b = el("button", { type: "button", "data-id": String(it.id) },
        el("span", { text: it.preview }),
        el("span", { class: "meta", text: "#" + it.id + (it.channel ? " · " + it.channel : "") +
          (it.status === "claimed" ? " · taken by " + (it.claimed_by || "?") : "") }));
      if (state.queueId === it.id) b.setAttribute("aria-current", "true");
      b.addEventListener("click", () => claim(it.id));
      ol.append(el("li", { class: it.status }, b));
    }
  }
  function agentName() {
    const a = $("agent").value.trim();
    if (!a) { $("agent").focus(); throw new Error("Enter your name as agent first (top right)."); }
    localStorage.setItem("replyassist.agent", a);
    return a;
  }
  async function claim(id) {
    try {
      const r = await api("/desk/api/queue/claim", id ? { agent: agentName(), id } : { agent: agentName() });
      if (!r.item) { status("The queue is empty.", "ok"); await loadQueue(); return; }
      const m = r.item.message || {};
      state.queueId = r.item.id;
      $("message").value = m.text || "";
      $("customer-name").value = m.customer_name || "";
      $("channel").value = m.channel || "";
      state.queueMessage = m;
      $("queue-item").textContent = "queue #" + r.item.id;
      await loadQueue();
      await suggest();
    } catch (e) { status(e.message, "error"); }
  }
  async function addToQueue() {
    const blocks = $("queue-text").value.split(/\n\s*\n/).map((s) => s.trim()).filter(Boolean);
    if (!blocks.length) { status("Nothing to add: paste messages separated by a blank line.", "error"); return; }
    try {
      const r = await api("/desk/api/queue", { messages: blocks.map((text) => ({ text })) });
      $("queue-text").value = "";
      status("Added " + r.ids.length + " message(s) to the queue.", "ok");
      await loadQueue();
    } catch (e) { status(e.message, "error"); }
  }

  // ---- suggestion ----
  function currentMessage() {
    const text = $("message").value;
    if (!text.trim()) throw new Error("Paste the customer's message first.");
    const base = state.queueId && state.queueMessage ? Object.assign({}, state.queueMessage) : {};
    base.text = text;
    const name = $("customer-name").value.trim(); const ch = $("channel").value;
    if (name) base.customer_name = name; else delete base.customer_name;
    if (ch) base.channel = ch; else delete base.channel;
    const agent = $("agent").value.trim();
    if (agent && !base.agent_name) base.agent_name = agent;
    return base;
  }
  async function suggest() {
    if (state.busy) return;
    let msg;
    try { msg = currentMessage(); } catch (e) { status(e.message, "error"); return; }
    state.busy = true; status("Suggesting…");
    try {
      const s = await api("/v1/suggest", msg);
      state.message = msg; state.chosen = null;
      show(s, true);
      status("Suggestion ready: " + s.match.band + ". Check the draft, then accept (Alt+A).", "ok");
      $("draft").focus();
    } catch (e) { status(e.message, "error"); } finally { state.busy = false; }
  }
  async function chooseEntry(faqId) {
    if (!state.message || !faqId || state.busy) return;
    state.busy = true; status("Drafting from " + faqId + "…");
    try {
      const s = await api("/desk/api/draft", { message: state.message, faq_id: faqId });
      state.chosen = faqId;
      show(s, false);
      status("Draft from " + faqId + ". Accept (Alt+A) records that you chose this entry.", "ok");
      $("draft").focus();
    } catch (e) { status(e.message, "error"); } finally { state.busy = false; }
  }

  function show(s, first) {
    state.suggestion = s;
    if (first) state.shown = { faq_id: s.draft.faq_id, band: s.match.band, confidence: s.match.confidence, text: s.draft.text };
    $("result").hidden = false;
    // language, with the variant and how sure
    const L = s.language;
    const langLine = (L.language || "undetermined") + (L.variety ? " (" + L.variety + ")" : "") +
      (L.script ? " · " + L.script : "");
    fill($("language"), el("strong", { text: langLine }),
      el("span", { class: "muted", text: " " + Math.round((L.confidence || 0) * 100) + "% sure" }),
      L.reliable === false ? el("div", { class: "muted", text: "not reliable: check" }) : null);
    $("lang-box").dataset.language = L.language || "";
    const S = s.sentiment;
    fill($("sentiment"), el("strong", { class: "sent-" + S.label, text: S.label }),
      el("span", { class: "muted", text: " " + (S.score >= 0 ? "+" : "") + S.score.toFixed(2) }),
      s.moderation && s.moderation.flagged ? el("div", { class: "level-escalate",
        text: "moderation: " + (s.moderation.reasons || []).join("; ") }) : null);
    $("sent-reasons").replaceChildren(...(S.reasons || []).map((r) => el("li", { text: r })));
    const E = s.escalation;
    fill($("escalation"), el("strong", { class: "level-" + E.level, text: E.level }),
      el("span", { class: "muted", text: " → " + String(E.action).replace(/_/g, " ") }));
    $("esc-reasons").replaceChildren(...(E.reasons || []).map((r) => el("li", { text: r })));
    // matches with their band
    const band = $("band"); band.className = "band " + s.match.band;
    band.textContent = s.match.band.replace("_", " ") + " · " + Math.round(s.match.confidence * 100) + "%";
    const ol = $("matches"); ol.replaceChildren();
    const active = state.chosen || s.draft.faq_id;
    s.match.matches.slice(0, 5).forEach((m, i) => {
      const input = el("input", { type: "radio", name: "match", value: m.faq_id, checked: m.faq_id === active });
      input.addEventListener("change", () => chooseEntry(m.faq_id));
      const li = el("li", { class: m.faq_id === active ? "chosen" : "", "data-faq": m.faq_id },
        el("label", null, input, el("span", { class: "score", text: m.score.toFixed(2) }),
          el("span", null, el("span", { class: "id", text: m.faq_id }), " ",
            el("span", { class: "q", lang: m.language, text: "“" + m.question + "” " }),
            el("span", { class: "muted", text: "[" + m.language + "]" })),
          el("kbd", { text: "Alt+" + (i + 1) })));
      ol.append(li);
    });
    $("entry-select").value = state.chosen && !s.match.matches.slice(0, 5).some((m) => m.faq_id === state.chosen) ? state.chosen : "";
    // the draft, editable, in its language
    const D = s.draft;
    const ta = $("draft");
    ta.value = D.text; ta.lang = D.language + (D.script === "Cyrl" ? "-Cyrl" : "");
    autosize();
    state.draftOriginal = D.text;
    $("draft-meta").textContent = D.language + " · " + D.register + (D.kind !== "answer" ? " · " + D.kind : "") +
      (D.faq_id ? " · from " + D.faq_id : "") + (D.review ? " · review" : "");
    renderTone(D.text, s.tone || []);
    const notes = [...(D.notes || []), ...(s.notes || [])];
    $("notes").replaceChildren(...notes.map((n) => el("li", { text: n })));
  }

  function autosize() {   // the whole draft visible: rows from its lines (long lines wrap: counted roughly)
    const ta = $("draft"); const cols = Math.max(40, Math.floor(ta.clientWidth / 8.5) || 90);
    const rows = ta.value.split("\n").reduce((n, line) => n + Math.max(1, Math.ceil(line.length / cols)), 0);
    ta.rows = Math.min(40, Math.max(8, rows + 1));
  }
  function renderTone(text, findings) {
    const view = $("tone-view");
    view.lang = $("draft").lang;
    const spans = findings.filter((f) => f.end > f.start && f.end <= text.length).sort((a, b) => a.start - b.start);
    const kids = []; let pos = 0;
    for (const f of spans) {
      if (f.start < pos) continue; // overlapping: the first one is shown
      kids.push(text.slice(pos, f.start));
      const m = el("mark", { class: f.severity, title: f.kind + ": " + f.message + (f.suggestion ? " → " + f.suggestion : ""),
                             text: text.slice(f.start, f.end) });
      m.dataset.kind = f.kind;
      m.addEventListener("click", () => { const ta = $("draft"); ta.focus(); ta.setSelectionRange(f.start, f.end); });
      kids.push(m); pos = f.end;
    }
    kids.push(text.slice(pos));
    view.replaceChildren(...(spans.length ? [el("div", { class: "tone-h", text: "Tone check, at the spans:" }), ...kids] : []));
    $("tone").replaceChildren(...findings.map((f) => el("li", { class: f.severity },
      el("span", { class: "kind", text: f.kind }), ": " + f.message + (f.suggestion ? " → " + f.suggestion : ""))));
  }

  function shiftedValueSpans(newText) {
    const D = state.suggestion.draft, old = state.draftOriginal, out = [];
    for (const [a, b, name] of D.value_spans || []) {
      const v = old.slice(a, b); const at = v ? newText.indexOf(v) : -1;
      if (at >= 0) out.push([at, at + v.length, name]);
    }
    return out;
  }
  function onDraftEdited() {
    clearTimeout(state.toneTimer);
    state.toneTimer = setTimeout(async () => {
      const s = state.suggestion; if (!s) return;
      const text = $("draft").value; const seq = ++state.toneSeq;
      try {
        const r = await api("/desk/api/tone", { text, language: s.draft.language, register: s.draft.register,
          customer_register: s.draft.customer_register, channel: s.draft.channel,
          negative_customer: s.sentiment.label === "negative", value_spans: shiftedValueSpans(text),
          personalisation: s.draft.personalisation || [] });
        if (seq === state.toneSeq) renderTone(text, r.tone);
      } catch (e) { status(e.message, "error"); }
    }, 500);
  }

  // ---- decisions ----
  async function decide(kind) {
    const s = state.suggestion;
    if (!s || state.busy) { status("Get a suggestion first (Ctrl+Enter in the message).", "error"); return; }
    if (!state.hasStore) { status("No feedback store is configured on the service: decisions are not recorded.", "error"); return; }
    let agent; try { agent = agentName(); } catch (e) { status(e.message, "error"); return; }
    const text = $("draft").value;
    let action = kind;
    if (kind === "accept") {
      action = state.chosen && state.chosen !== state.shown.faq_id ? "chose_other"
        : (text !== state.shown.text ? "edited" : "accepted");
    }
    const body = { message: state.message, action, language: s.language.language, script: s.draft.script,
      suggestion: state.shown, agent, queue_id: state.queueId || null };
    if (action === "accepted" || action === "edited" || action === "chose_other") {
      if (!text.trim()) { status("The draft is empty: write the reply or choose 'No FAQ answers this'.", "error"); return; }
      body.final_text = text;
      body.chosen_faq_id = state.chosen || s.draft.faq_id || null;
    }
    state.busy = true;
    try {
      const r = await api("/desk/api/feedback", body);
      const li = el("li", { "data-id": String(r.id), text: "#" + r.id + " " + action +
        (r.record.chosen_faq_id ? " → " + r.record.chosen_faq_id : "") + (r.learned ? " (learned)" : "") });
      $("recorded").prepend(li);
      status("Recorded #" + r.id + ": " + action + ".", "ok");
      resetWork();
      if (state.hasStore) await loadQueue();
    } catch (e) { status(e.message, "error"); } finally { state.busy = false; }
  }
  function resetWork() {
    state.suggestion = null; state.message = null; state.chosen = null; state.shown = null;
    state.queueId = null; state.queueMessage = null;
    $("queue-item").textContent = "";
    $("lang-box").dataset.language = "";
    $("result").hidden = true; $("message").value = ""; $("customer-name").value = ""; $("channel").value = "";
    $("message").focus();
  }
  async function copyDraft() {
    const text = $("draft").value;
    try {
      await navigator.clipboard.writeText(text);
      status("Draft copied. Accept (Alt+A) to record it.", "ok");
    } catch (e) {
      const ta = $("draft"); ta.focus(); ta.select();
      status("Copy is blocked here: the draft is selected, press Ctrl+C.", "error");
    }
  }

  // ---- wiring ----
  $("compose").addEventListener("submit", (e) => { e.preventDefault(); state.queueId = state.queueId || null; suggest(); });
  $("message").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); suggest(); } });
  $("draft").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); decide("accept"); } });
  $("draft").addEventListener("input", () => { autosize(); onDraftEdited(); });
  $("accept-btn").addEventListener("click", () => decide("accept"));
  $("edit-btn").addEventListener("click", () => { const ta = $("draft"); ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length);
    status("Edit the draft; Ctrl+Enter or Alt+A accepts it as edited.", "ok"); });
  $("nofaq-btn").addEventListener("click", () => decide("no_faq"));
  $("skip-btn").addEventListener("click", () => decide("skipped"));
  $("copy-btn").addEventListener("click", copyDraft);
  $("entry-select").addEventListener("change", (e) => { if (e.target.value) chooseEntry(e.target.value); });
  $("next-btn").addEventListener("click", () => claim(null));
  $("queue-add").addEventListener("click", addToQueue);
  $("agent").addEventListener("change", () => localStorage.setItem("replyassist.agent", $("agent").value.trim()));
  $("keyform").addEventListener("submit", async (e) => {
    e.preventDefault(); state.key = $("apikey").value.trim(); sessionStorage.setItem("replyassist.key", state.key);
    try { await loadConfig(); $("keyform").hidden = true; } catch (err) { status(err.message, "error"); }
  });
  $("help-btn").addEventListener("click", () => {
    const h = $("help"); h.hidden = !h.hidden; $("help-btn").setAttribute("aria-expanded", String(!h.hidden));
  });
  document.addEventListener("keydown", (e) => {
    if (!e.altKey || e.ctrlKey || e.metaKey) {
      if (e.key === "?" && !/^(TEXTAREA|INPUT|SELECT)$/.test(document.activeElement.tagName)) $("help-btn").click();
      return;
    }
    const k = e.key.toLowerCase(); const code = e.code || "";
    const digit = /^Digit([1-5])$/.exec(code);
    const act = { a: () => decide("accept"), e: () => $("edit-btn").click(), c: copyDraft, n: () => decide("no_faq"),
      s: () => decide("skipped"), j: () => claim(null), o: () => $("entry-select").focus(),
      m: () => { resetWork(); } }[code.startsWith("Key") ? code.slice(3).toLowerCase() : k];
    if (digit && state.suggestion) {
      e.preventDefault();
      const m = state.suggestion.match.matches[Number(digit[1]) - 1]; if (m) chooseEntry(m.faq_id);
    } else if (act) { e.preventDefault(); act(); }
  });
  start();
})();
