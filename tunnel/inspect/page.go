package inspect

// The UI page: one HTML document with its style and script inline, so it
// needs nothing from the network but this handler's own API. Data from
// requests is only ever put in the page with textContent, never as markup.

// pageHTML takes the CSS, "on"/"off" for replay, and the script.
const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>httpmw inspect</title>
<style>%s</style>
</head>
<body data-replay="%s">
<header>
<h1>httpmw inspect</h1>
<span id="count">0 requests</span>
<span id="live" class="off">connecting…</span>
</header>
<main>
<section id="list-pane">
<table id="list">
<thead><tr><th class="c-id">#</th><th class="c-time">Time</th><th class="c-method">Method</th><th>Path</th><th class="c-status">Status</th><th class="c-ms">ms</th><th class="c-size">Size</th></tr></thead>
<tbody id="rows"></tbody>
</table>
<p id="empty">No requests yet. Requests through the app show up here as they happen.</p>
</section>
<section id="detail-pane">
<p id="hint">Select a request to see it.</p>
<div id="actions" hidden>
<button id="replay" type="button" disabled>Replay</button>
<button id="edit-toggle" type="button" disabled>Edit and replay…</button>
<span id="replay-status" role="status"></span>
</div>
<form id="edit" hidden>
<div class="row"><label>Method <input id="edit-method" size="8" autocomplete="off"></label>
<label class="grow">Path <input id="edit-path" autocomplete="off"></label></div>
<label>Headers (one "Name: value" a line)<textarea id="edit-headers" rows="6" spellcheck="false"></textarea></label>
<label>Body<textarea id="edit-body" rows="6" spellcheck="false"></textarea></label>
<button id="edit-send" type="submit">Send edited replay</button>
</form>
<div id="compare"></div>
</section>
</main>
<script>%s</script>
</body>
</html>
`

const pageCSS = `
:root{--bg:#fff;--fg:#1d2330;--mut:#667085;--line:#e3e6ec;--sel:#e8f0fe;--acc:#2457d6;--ok:#137333;--warn:#b06000;--bad:#c5221f;--code:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#14171c;--fg:#e6e9ef;--mut:#9aa3b2;--line:#2b313b;--sel:#1f2b44;--acc:#7aa2ff;--ok:#5bd48a;--warn:#f0b45a;--bad:#ff7b72;--code:#1b1f26}}
*{box-sizing:border-box}
[hidden]{display:none !important}
html,body{margin:0;height:100%;background:var(--bg);color:var(--fg);font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif}
header{display:flex;gap:1em;align-items:baseline;padding:.6em 1em;border-bottom:1px solid var(--line)}
h1{font-size:1.1em;margin:0}
#count{color:var(--mut)}
#live{margin-left:auto;font-size:.9em}
#live.on{color:var(--ok)}#live.off{color:var(--bad)}
main{display:flex;height:calc(100% - 2.7em)}
#list-pane{flex:0 0 42%;overflow:auto;border-right:1px solid var(--line)}
#detail-pane{flex:1;overflow:auto;padding:.8em 1em}
table{border-collapse:collapse;width:100%}
#list{table-layout:fixed}
.c-id{width:3.2em}.c-time{width:10em}.c-method{width:5.2em}.c-status{width:4.2em}.c-ms{width:4.2em}.c-size{width:5.6em}
#list td{overflow:hidden;text-overflow:ellipsis}
th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid var(--line);white-space:nowrap}
th{position:sticky;top:0;background:var(--bg);font-weight:600;color:var(--mut);font-size:.85em}
#rows tr{cursor:pointer}
#rows tr:hover{background:var(--sel)}
#rows tr.sel{background:var(--sel);box-shadow:inset 3px 0 var(--acc)}
td.path{font-family:ui-monospace,Menlo,Consolas,monospace}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.s2{color:var(--ok)}.s3{color:var(--acc)}.s4{color:var(--warn)}.s5,.serr{color:var(--bad)}
.tag{font-size:.75em;border:1px solid var(--line);border-radius:3px;padding:0 .3em;margin-left:.4em;color:var(--mut)}
#empty,#hint{color:var(--mut);padding:0 1em}
#actions{display:flex;gap:.6em;align-items:center;margin-bottom:.8em}
button{font:inherit;padding:.3em .9em;border:1px solid var(--acc);background:var(--acc);color:#fff;border-radius:4px;cursor:pointer}
button#edit-toggle{background:transparent;color:var(--acc)}
#replay-status{color:var(--mut)}
form{border:1px solid var(--line);border-radius:4px;padding:.6em;margin-bottom:.8em}
form label{display:block;margin-bottom:.5em;color:var(--mut);font-size:.9em}
form .row{display:flex;gap:.8em}form .grow{flex:1}
input,textarea{display:block;width:100%;font:13px ui-monospace,Menlo,Consolas,monospace;background:var(--code);color:var(--fg);border:1px solid var(--line);border-radius:3px;padding:.3em}
#compare{display:flex;gap:1em;align-items:flex-start}
.ex{flex:1;min-width:0}
.ex h2{font-size:1em;margin:.2em 0 .6em}
.ex h3{font-size:.9em;margin:1em 0 .3em;color:var(--mut);text-transform:uppercase;letter-spacing:.04em}
.line{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.kv td{white-space:normal;word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;vertical-align:top}
.kv td:first-child{color:var(--mut);width:1%;white-space:nowrap;word-break:normal;padding-right:1.2em}
pre{background:var(--code);padding:.6em;border-radius:4px;overflow:auto;max-height:28em;margin:0;font-size:.9em}
.note{color:var(--mut);font-size:.85em}
.err{color:var(--bad)}
`

const pageJS = `
"use strict";
const rows = document.getElementById("rows");
const replayOn = document.body.dataset.replay === "on";
const summaries = new Map();
let selected = 0;
const maxRows = 2000;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function size(n) {
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1048576).toFixed(1) + " MiB";
}

function clock(iso) {
  const d = new Date(iso);
  const p = (n, w) => String(n).padStart(w, "0");
  return p(d.getHours(), 2) + ":" + p(d.getMinutes(), 2) + ":" + p(d.getSeconds(), 2) + "." + p(d.getMilliseconds(), 3);
}

function statusClass(s) { return s ? "s" + String(s)[0] : "serr"; }

function addRow(s) {
  const known = summaries.has(s.id);
  summaries.set(s.id, s);
  const tr = el("tr");
  tr.dataset.id = s.id;
  tr.append(el("td", s.id, "num"), el("td", clock(s.start)), el("td", s.method));
  const path = el("td", s.url, "path");
  path.title = s.url;
  if (s.replayOf) path.append(el("span", "replay of #" + s.replayOf, "tag"));
  tr.append(path, el("td", s.status || (s.error ? "error" : "–"), statusClass(s.status)),
    el("td", s.durationMs.toFixed(1), "num"), el("td", size(s.bodySize), "num"));
  if (s.id === selected) tr.classList.add("sel");
  tr.addEventListener("click", () => select(s.id));
  const old = known && rows.querySelector('tr[data-id="' + s.id + '"]');
  if (old) { old.replaceWith(tr); return; }
  // Newest first: before the first row with a smaller id.
  let before = null;
  for (const r of rows.children) { if (Number(r.dataset.id) < s.id) { before = r; break; } }
  rows.insertBefore(tr, before);
  // The server keeps a bounded ring; so does the page.
  while (rows.children.length > maxRows) {
    summaries.delete(Number(rows.lastElementChild.dataset.id));
    rows.lastElementChild.remove();
  }
  document.getElementById("empty").hidden = true;
  document.getElementById("count").textContent = summaries.size + (summaries.size === 1 ? " request" : " requests");
}

function connect() {
  const live = document.getElementById("live");
  const es = new EventSource("api/events");
  es.onopen = () => { live.textContent = "live"; live.className = "on"; };
  es.onerror = () => { live.textContent = "reconnecting…"; live.className = "off"; };
  es.addEventListener("exchange", (ev) => addRow(JSON.parse(ev.data)));
}

async function getJSON(url, opts) {
  const res = await fetch(url, opts);
  const body = await res.json();
  if (!res.ok && !body.id) throw new Error(body.error || res.status + " " + res.statusText);
  return body;
}

function kvTable(pairs) {
  const t = el("table", null, "kv");
  for (const [k, v] of pairs) {
    const tr = el("tr");
    tr.append(el("td", k), el("td", v));
    t.append(tr);
  }
  return t;
}

function headerPairs(h) {
  const out = [];
  for (const k of Object.keys(h || {}).sort()) for (const v of h[k]) out.push([k, v]);
  return out;
}

function bodyView(shown, body) {
  const box = el("div");
  switch (shown.kind) {
  case "empty": box.append(el("p", "(no body)", "note")); break;
  case "form": box.append(kvTable(shown.fields.map(f => [f.name, f.value]))); break;
  default: box.append(el("pre", shown.text, "body-" + shown.kind));
  }
  const notes = [];
  const kinds = {json: "JSON, indented", form: "form fields", hex: "binary, shown in hex"};
  if (shown.decoded) notes.push((shown.decodedPartly ? "partly decoded from " : "decoded from ") + shown.decoded);
  if (kinds[shown.kind]) notes.push(kinds[shown.kind]);
  if (body.truncated) notes.push("first " + size((body.body ? atob(body.body).length : 0)) + " of " + size(body.bodySize) + " kept");
  if (notes.length) box.append(el("p", notes.join("; "), "note"));
  return box;
}

function exchangeView(d, title) {
  const box = el("div", null, "ex");
  box.dataset.id = d.id;
  box.append(el("h2", title + " #" + d.id + (d.replayOf ? " (replay of #" + d.replayOf + ")" : "")));
  box.append(el("p", d.request.method + " " + d.request.url + " " + d.request.proto, "line"));
  box.append(el("p", "from " + d.remoteAddr + " at " + clock(d.start) +
    ", " + (d.durationNs / 1e6).toFixed(1) + " ms", "note"));
  if (d.error) box.append(el("p", d.error, "err"));
  box.append(el("h3", "Request headers"), kvTable(headerPairs(d.request.header)));
  box.append(el("h3", "Request body"), bodyView(d.requestShown, d.request));
  const st = d.response.status;
  box.append(el("h3", "Response " + (st || "")));
  if (d.response.hijacked) box.append(el("p", "connection taken over (upgrade); nothing after is recorded", "note"));
  box.append(kvTable(headerPairs(d.response.header)));
  box.append(el("h3", "Response body"), bodyView(d.responseShown, d.response));
  return box;
}

let current = null;

async function select(id) {
  selected = id;
  for (const r of rows.children) r.classList.toggle("sel", Number(r.dataset.id) === id);
  let d;
  try { d = await getJSON("api/exchanges/" + id); } catch (e) { showError(e); return; }
  if (selected !== id) return;
  current = d;
  document.getElementById("hint").hidden = true;
  document.getElementById("actions").hidden = false;
  const canReplay = replayOn && d.replayable;
  document.getElementById("replay").disabled = !canReplay;
  document.getElementById("edit-toggle").disabled = !replayOn;
  document.getElementById("replay-status").textContent = !replayOn ? "replay is off (no target)" :
    (d.replayable ? "" : "body was cut at capture: edit to replay");
  document.getElementById("edit").hidden = true;
  document.getElementById("compare").replaceChildren(exchangeView(d, "Request"));
}

function showError(e) {
  document.getElementById("replay-status").textContent = String(e.message || e);
}

async function replay(edit) {
  const status = document.getElementById("replay-status");
  const orig = current;
  if (!orig) return; // nothing selected: the button is hidden, but a script may click it
  status.textContent = "replaying…";
  let d;
  try {
    d = await getJSON("api/exchanges/" + orig.id + "/replay", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: edit ? JSON.stringify(edit) : "",
    });
  } catch (e) { showError(e); return; }
  if (current !== orig) return;
  status.textContent = d.error ? "replay failed" : "replayed as #" + d.id;
  document.getElementById("compare").replaceChildren(exchangeView(orig, "Original"), exchangeView(d, "Replay"));
}

function bodyText(b) {
  if (!b.body) return "";
  const bin = atob(b.body);
  const bytes = Uint8Array.from(bin, c => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

document.getElementById("replay").addEventListener("click", () => replay(null));
document.getElementById("edit-toggle").addEventListener("click", () => {
  const f = document.getElementById("edit");
  if (!current) return;
  f.hidden = !f.hidden;
  document.getElementById("edit-method").value = current.request.method;
  document.getElementById("edit-path").value = current.request.url;
  document.getElementById("edit-headers").value = headerPairs(current.request.header).filter(([k]) => k !== "Content-Length").map(([k, v]) => k + ": " + v).join("\n");
  document.getElementById("edit-body").value = bodyText(current.request);
});
document.getElementById("edit").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const header = {};
  for (const line of document.getElementById("edit-headers").value.split("\n")) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const k = line.slice(0, i).trim(), v = line.slice(i + 1).trim();
    (header[k] = header[k] || []).push(v);
  }
  replay({
    method: document.getElementById("edit-method").value.trim(),
    path: document.getElementById("edit-path").value.trim(),
    header, body: document.getElementById("edit-body").value,
  });
});
connect();
`
