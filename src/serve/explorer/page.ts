/**
 * The explorer: one static HTML page with vanilla JS, served at / by the same process. Build a history by
 * searching items by title, see the recommendations (titles, scores, semantic IDs), and the tokenizer's
 * codebook usage per digit as inline SVG bar charts, the training curve and the item map. It only calls the public
 * API (/v1/model..., /v1/items, /v1/recommend), so it doubles as a usage example; "rank here too" loads the export
 * with onnxruntime-web through the bundled ranking module (/vendor/sidrec-browser.js, src/browser/). Embedded as a
 * string so `tsc` ships it with the build; the script avoids template literals so it can live inside this one.
 */
export const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sidrec explorer</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 10px 18px; display: flex; gap: 18px; align-items: baseline; }
  header h1 { font-size: 17px; margin: 0; }
  main { display: grid; grid-template-columns: 340px 1fr; gap: 16px; padding: 16px; }
  section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 12px; }
  h2 { font-size: 14px; margin: 0 0 8px; }
  input[type=search], input[type=number] { width: 100%; box-sizing: border-box; padding: 6px; border: 1px solid #bcc3cf; border-radius: 4px; }
  ul, ol { padding-left: 18px; margin: 6px 0; }
  li { margin: 3px 0; }
  button { cursor: pointer; border: 1px solid #bcc3cf; background: #eef1f6; border-radius: 4px; padding: 2px 8px; }
  button.link { border: none; background: none; color: #1f5fbf; text-align: left; padding: 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eceff4; vertical-align: top; }
  td.score { font-variant-numeric: tabular-nums; }
  code.sid { font-size: 12px; background: #eef1f6; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
  .muted { color: #6b7383; }
  .warn { color: #a04a00; }
  svg { display: block; margin-top: 6px; }
  svg .bar { fill: #3b7ddd; }
  svg .bar2 { fill: #d9822b; }
  svg text { font-size: 10px; fill: #4a5263; }
</style>
</head>
<body>
<header><h1>sidrec explorer</h1><span id="model" class="muted">loading model...</span></header>
<main>
  <div>
    <section>
      <h2>1. Build a history</h2>
      <input id="search" type="search" placeholder="Search items by title or brand" autocomplete="off">
      <ul id="results"></ul>
    </section>
    <section style="margin-top:16px">
      <h2>History <span class="muted">(oldest first)</span> <button id="clear">clear</button></h2>
      <ol id="history"></ol>
      <label>k <input id="k" type="number" min="1" max="100" value="10"></label>
    </section>
  </div>
  <div>
    <section>
      <h2>2. Recommendations</h2>
      <p id="status" class="muted">Add items to the history to see recommendations.</p>
      <table><thead><tr><th>#</th><th>Item</th><th>Score</th><th>Semantic ID</th><th>Why</th></tr></thead><tbody id="recs"></tbody></table>
    </section>
    <section id="local" style="margin-top:16px" hidden>
      <h2>Rank in this browser <button id="local-rank">rank here too</button></h2>
      <p id="local-status" class="muted">The model runs in this page (onnxruntime-web, WebAssembly, one thread) once enabled.</p>
      <table><thead><tr><th>#</th><th>Item</th><th>Score</th></tr></thead><tbody id="local-recs"></tbody></table>
    </section>
    <section style="margin-top:16px">
      <h2>Training curve</h2>
      <div id="curves" class="muted">No training log for this model.</div>
    </section>
    <section style="margin-top:16px">
      <h2>3. Codebook usage</h2>
      <div id="codebook" class="muted">No tokenizer report.</div>
    </section>
    <section style="margin-top:16px">
      <h2>4. Item map</h2>
      <div id="item-map" class="muted">This model exposes no item vectors.</div>
    </section>
  </div>
</main>
<script>
"use strict";
var picked = [];
var modelInfo = null;
var searchTimer = null;
var recSeq = 0;

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function svgEl(tag, attrs, text) {
  var e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (var k in attrs || {}) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}
function api(method, url, body) {
  var init = { method: method, headers: {} };
  if (body !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
  return fetch(url, init).then(function (r) {
    return r.json().then(function (j) {
      if (!r.ok) throw new Error((j.error && j.error.message) || ("HTTP " + r.status));
      return j;
    });
  });
}
// Catalogue titles often carry HTML entities ("L&amp;apos;Oreal"): decoded for display (a textarea's content is
// text, so nothing in a title runs).
var decoder = document.createElement("textarea");
function decodeEntities(s) { decoder.innerHTML = s; return decoder.value; }
function label(item) { return item.title ? decodeEntities(item.title) : ("item " + item.id); }

function renderHistory() {
  var ol = document.getElementById("history");
  ol.textContent = "";
  picked.forEach(function (item, i) {
    var li = el("li", { "data-id": item.id });
    li.appendChild(el("span", {}, label(item) + " "));
    var rm = el("button", { title: "remove" }, "x");
    rm.onclick = function () { picked.splice(i, 1); renderHistory(); recommend(); };
    li.appendChild(rm);
    ol.appendChild(li);
  });
}
function addToHistory(item) {
  picked.push({ id: item.id, title: item.title, sid: item.sid });
  renderHistory();
  recommend();
}

function search() {
  var q = document.getElementById("search").value.trim();
  var ul = document.getElementById("results");
  if (q === "") { ul.textContent = ""; return; }
  api("GET", "/v1/items?limit=15&q=" + encodeURIComponent(q)).then(function (res) {
    ul.textContent = "";
    if (res.items.length === 0) ul.appendChild(el("li", { class: "muted" }, "no match"));
    res.items.forEach(function (item) {
      var li = el("li");
      var b = el("button", { class: "link", "data-id": item.id }, label(item));
      b.onclick = function () { addToHistory(item); };
      li.appendChild(b);
      ul.appendChild(li);
    });
  }).catch(function (e) { ul.textContent = e.message; });
}

// Why an item is recommended, in SID terms: the history item sharing most of its digits (same position, same code).
function explain(item) {
  if (!item.sid) return "";
  var best = null, bestShared = 0;
  picked.forEach(function (h) {
    if (!h.sid || h.sid.length !== item.sid.length) return;
    var shared = 0;
    for (var d = 0; d < h.sid.length; d++) if (h.sid[d] === item.sid[d]) shared++;
    if (shared > bestShared) { bestShared = shared; best = h; }
  });
  if (!best) return "no SID digit in common with the history";
  return "shares " + bestShared + "/" + item.sid.length + " digits with " + label(best);
}

function recommend() {
  var status = document.getElementById("status");
  var tbody = document.getElementById("recs");
  var seq = ++recSeq; // first, so that a history cleared while a ranking is under way is not filled by its answer
  if (picked.length === 0) {
    tbody.textContent = "";
    var localBody = document.getElementById("local-recs");
    if (localBody) localBody.textContent = "";
    status.textContent = "Add items to the history to see recommendations.";
    return;
  }
  var k = Math.max(1, Math.min(100, parseInt(document.getElementById("k").value, 10) || 10));
  status.textContent = "ranking...";
  api("POST", "/v1/recommend", { history: picked.map(function (h) { return h.id; }), k: k }).then(function (res) {
    if (seq !== recSeq) return;
    tbody.textContent = "";
    res.items.forEach(function (item, i) {
      var tr = el("tr", { "data-id": item.id });
      tr.appendChild(el("td", {}, String(i + 1)));
      var td = el("td");
      var b = el("button", { class: "link", title: "add to history" }, label(item));
      b.onclick = function () { addToHistory(item); };
      td.appendChild(b);
      td.appendChild(el("div", { class: "muted" }, "id " + item.id));
      tr.appendChild(td);
      tr.appendChild(el("td", { class: "score" }, item.score.toFixed(4)));
      var sidTd = el("td");
      sidTd.appendChild(item.sid ? el("code", { class: "sid" }, item.sid.join("-")) : el("span", { class: "muted" }, "none"));
      tr.appendChild(sidTd);
      tr.appendChild(el("td", { class: "why muted" }, explain(item)));
      tbody.appendChild(tr);
    });
    var note = res.items.length + " items";
    if (res.fallback) note += " (no known history item: most popular)";
    if (res.unknown.length) note += "; unknown ids: " + res.unknown.join(", ");
    status.textContent = note;
    rankLocally();
  }).catch(function (e) { if (seq === recSeq) status.textContent = "error: " + e.message; });
}

// In-browser ranking (GET /v1/export, served with sidrec serve --export DIR): the same scores as the server's model.
var exportInfo = null;
var local = null;
function loadScript(src) {
  return new Promise(function (resolve, reject) {
    var s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = function () { reject(new Error("cannot load " + src)); };
    document.head.appendChild(s);
  });
}
function enableLocal() {
  if (local) return Promise.resolve(local);
  return loadScript(exportInfo.runtime + "ort.wasm.min.js").then(function () {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = exportInfo.runtime;
    // The ranking module (src/browser/local-ranker.ts, bundled): the server's own graph decoding and exclusions.
    return import("/vendor/sidrec-browser.js");
  }).then(function (mod) {
    return mod.openLocalRanker(ort, "/export/", { description: exportInfo });
  }).then(function (ranker) { local = ranker; return local; });
}
// One history (ids, oldest first) ranked in this page, the history's items left out.
function localRank(historyIds, k, decode) {
  return enableLocal().then(function (ranker) { return ranker.rank(historyIds, k, { decode: decode || "exact" }); });
}
window.sidrecLocal = { enable: enableLocal, rank: localRank };

function rankLocally() {
  if (!local || picked.length === 0) return;
  var k = Math.max(1, Math.min(100, parseInt(document.getElementById("k").value, 10) || 10));
  var seq = recSeq;
  localRank(picked.map(function (h) { return h.id; }), k).then(function (res) {
    if (seq !== recSeq) return; // the history changed while ranking
    var tbody = document.getElementById("local-recs");
    tbody.textContent = "";
    res.items.forEach(function (item, i) {
      var tr = el("tr", { "data-id": item.id });
      tr.appendChild(el("td", {}, String(i + 1)));
      tr.appendChild(el("td", {}, label(item)));
      tr.appendChild(el("td", { class: "score" }, item.score.toFixed(4)));
      tbody.appendChild(tr);
    });
    document.getElementById("local-status").textContent = "in this browser: " + res.items.length + " items in " + res.ms.toFixed(1) + " ms (model loaded once in " + local.loadMs.toFixed(0) + " ms)";
  }).catch(function (e) { document.getElementById("local-status").textContent = "error: " + e.message; });
}
function loadExport() {
  fetch("/v1/export").then(function (r) { return r.ok ? r.json() : null; }).then(function (info) {
    if (!info || !info.runtime) return;
    exportInfo = info;
    document.getElementById("local").hidden = false;
    document.getElementById("local-rank").onclick = function () {
      document.getElementById("local-status").textContent = "loading the model into this page...";
      enableLocal().then(rankLocally).catch(function (e) { document.getElementById("local-status").textContent = "error: " + e.message; });
    };
  }).catch(function () {});
}

function barChart(title, values, max, cls, fmt) {
  var W = 560, H = 150, left = 36, bottom = 22, top = 18;
  var svg = svgEl("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title });
  svg.appendChild(svgEl("text", { x: left, y: 12 }, title));
  var bw = (W - left - 4) / Math.max(1, values.length);
  svg.appendChild(svgEl("line", { x1: left, y1: H - bottom, x2: W - 4, y2: H - bottom, stroke: "#999" }));
  svg.appendChild(svgEl("text", { x: 2, y: top + 8 }, fmt(max)));
  svg.appendChild(svgEl("text", { x: 2, y: H - bottom }, "0"));
  values.forEach(function (v, i) {
    var h = max > 0 ? (H - bottom - top) * Math.min(1, v / max) : 0;
    var r = svgEl("rect", { class: cls, x: left + i * bw + 1, y: H - bottom - h, width: Math.max(1, bw - 2), height: h, "data-digit": i });
    r.appendChild(svgEl("title", {}, "digit " + i + ": " + fmt(v)));
    svg.appendChild(r);
    if (values.length <= 32 || i % 4 === 0) svg.appendChild(svgEl("text", { x: left + i * bw + 1, y: H - 8 }, String(i)));
  });
  return svg;
}

// A line chart of one series by epoch (the served model's epochs.jsonl).
function lineChart(title, xs, ys, cls, xName, fmt) {
  xName = xName || "epoch";
  fmt = fmt || function (v) { return v.toFixed(4); };
  var W = 560, H = 150, left = 44, bottom = 22, top = 18;
  var svg = svgEl("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title });
  svg.appendChild(svgEl("text", { x: left, y: 12 }, title));
  var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys);
  if (hi === lo) { var pad = Math.abs(lo) * 0.05 || 0.001; lo -= pad; hi += pad; }
  var px = function (i) { return left + (W - left - 8) * (xs.length === 1 ? 0.5 : i / (xs.length - 1)); };
  var py = function (v) { return H - bottom - (H - bottom - top) * (v - lo) / (hi - lo); };
  svg.appendChild(svgEl("line", { x1: left, y1: H - bottom, x2: W - 4, y2: H - bottom, stroke: "#999" }));
  svg.appendChild(svgEl("text", { x: 2, y: top + 8 }, fmt(hi)));
  svg.appendChild(svgEl("text", { x: 2, y: H - bottom }, fmt(lo)));
  var d = ys.map(function (v, i) { return (i === 0 ? "M" : "L") + px(i).toFixed(1) + " " + py(v).toFixed(1); }).join(" ");
  svg.appendChild(svgEl("path", { d: d, fill: "none", stroke: cls === "bar2" ? "#d9822b" : "#3b7ddd", "stroke-width": 2, class: "curve" }));
  ys.forEach(function (v, i) {
    var c = svgEl("circle", { cx: px(i), cy: py(v), r: 2.5, fill: "#1d2330", "data-epoch": xs[i] });
    c.appendChild(svgEl("title", {}, xName + " " + xs[i] + ": " + fmt(v)));
    svg.appendChild(c);
  });
  svg.appendChild(svgEl("text", { x: left, y: H - 6 }, xName + " " + xs[0]));
  svg.appendChild(svgEl("text", { x: W - 70, y: H - 6 }, xName + " " + xs[xs.length - 1]));
  return svg;
}
// Code frequencies: for a few digits, each code's item count, most used first (rank-frequency); flat = even use.
function loadCodeUse() {
  api("GET", "/v1/model/codes").then(function (res) {
    if (!res.digits) return;
    var box = document.getElementById("codebook");
    var shown = [0, Math.floor(res.digits / 2), res.digits - 1].filter(function (d, i, a) { return a.indexOf(d) === i; });
    shown.forEach(function (d) {
      var counts = res.perDigit[d];
      var c = lineChart("Digit " + d + ": items per code, most used first (" + counts.length + " codes used)", counts.map(function (_, i) { return i + 1; }), counts, "bar", "code rank", function (v) { return String(Math.round(v)); });
      c.id = "chart-codes-" + d;
      box.appendChild(c);
    });
    var sizes = Object.keys(res.collisionGroups).map(Number).sort(function (a, b) { return a - b; });
    var text = sizes.map(function (n) { return res.collisionGroups[n] + (n === 1 ? " unique SIDs" : " SIDs shared by " + n + " items"); }).join(", ");
    box.appendChild(el("p", { id: "collision-groups" }, "Collision groups: " + text));
  }).catch(function () {});
}

// A section's box, its placeholder text cleared, ready for charts.
function openBox(id) {
  var box = document.getElementById(id);
  box.textContent = "";
  box.classList.remove("muted");
  return box;
}

function loadCurves() {
  api("GET", "/v1/model/epochs").then(function (res) {
    if (!res.epochs.length) return;
    var box = openBox("curves");
    var xs = res.epochs.map(function (e) { return e.epoch; });
    var best = res.epochs.reduce(function (b, e) { return e.ndcg10 !== null && (b === null || e.ndcg10 > b.ndcg10) ? e : b; }, null);
    box.appendChild(el("p", {}, res.epochs.length + (res.epochs.length === 1 ? " epoch" : " epochs") + (best ? "; best validation NDCG@10 " + best.ndcg10.toFixed(4) + " at epoch " + best.epoch : "")));
    var c1 = lineChart("Training loss by epoch", xs, res.epochs.map(function (e) { return e.loss; }), "bar2");
    c1.id = "chart-loss";
    box.appendChild(c1);
    var v = res.epochs.filter(function (e) { return e.ndcg10 !== null; });
    if (v.length) {
      var c2 = lineChart("Validation NDCG@10 by epoch", v.map(function (e) { return e.epoch; }), v.map(function (e) { return e.ndcg10; }), "bar");
      c2.id = "chart-valid";
      box.appendChild(c2);
    }
    // SIDs learned during training (DIGER): the share of codes in use per level by epoch shows whether they collapse.
    var last = res.epochs[res.epochs.length - 1].valid || {};
    Object.keys(last).filter(function (key) { return key.indexOf("codes-used@") === 0; }).forEach(function (key) {
      var level = key.slice("codes-used@".length);
      var rows = res.epochs.filter(function (e) { return e.valid && e.valid[key] !== undefined; });
      var c = lineChart("Level " + level + ": share of codes in use by epoch (perplexity " + (last["perplexity@" + level] || 0).toFixed(0) + " at the last)", rows.map(function (e) { return e.epoch; }), rows.map(function (e) { return e.valid[key]; }), "bar2", "epoch", function (x) { return (100 * x).toFixed(0) + "%"; });
      c.id = "chart-codes-used-" + level;
      box.appendChild(c);
    });
  }).catch(function () {});
}

function renderCodebook(info) {
  var box = document.getElementById("codebook");
  box.textContent = "";
  var t = info.tokenizer;
  if (!t) { box.appendChild(el("p", {}, "Model kind " + info.kind + " has no tokenizer, so no semantic IDs or codebook usage.")); return; }
  box.classList.remove("muted");
  box.appendChild(el("p", {}, t.kind + ": " + t.digits + " digits x " + t.codebookSize + " codes; collisions " + (100 * t.collisionRate).toFixed(2) + "% of items, " + t.uniqueSids + " unique SIDs" + (t.relativeMse === undefined ? " (imported: no reconstruction)" : ", relative reconstruction error " + t.relativeMse.toFixed(3))));
  var util = t.perDigit.map(function (d) { return d.utilisation; });
  var ppl = t.perDigit.map(function (d) { return d.perplexity; });
  var c1 = barChart("Codebook utilisation per digit (share of codes used)", util, 1, "bar", function (v) { return (100 * v).toFixed(0) + "%"; });
  c1.id = "chart-utilisation";
  box.appendChild(c1);
  var c2 = barChart("Code perplexity per digit (max " + t.codebookSize + ")", ppl, t.codebookSize, "bar2", function (v) { return v.toFixed(1); });
  c2.id = "chart-perplexity";
  box.appendChild(c2);
}

// Item vectors in 2-D (PCA), one point per item, coloured by its first SID code: do items of one code sit together?
function loadItemMap() {
  api("GET", "/v1/model/map").then(function (res) {
    if (!res.x.length) return;
    var box = openBox("item-map");
    var coded = res.code.some(function (c) { return c !== null; });
    box.appendChild(el("p", {}, res.x.length + " of " + res.items + " items on the first two principal axes of the model's item vectors (" + (100 * res.explained).toFixed(1) + "% of their variance)" + (coded ? ", coloured by first SID code" : "")));
    var W = 520, H = 380, pad = 8;
    var canvas = el("canvas", { id: "chart-item-map", width: W, height: H });
    canvas.style.border = "1px solid #d8dce6";
    box.appendChild(canvas);
    var g = canvas.getContext("2d");
    var minX = Math.min.apply(null, res.x), maxX = Math.max.apply(null, res.x);
    var minY = Math.min.apply(null, res.y), maxY = Math.max.apply(null, res.y);
    var sx = (W - 2 * pad) / ((maxX - minX) || 1), sy = (H - 2 * pad) / ((maxY - minY) || 1);
    g.globalAlpha = 0.6;
    var size = res.x.length < 2000 ? 5 : 3;
    for (var i = 0; i < res.x.length; i++) {
      var c = res.code[i];
      g.fillStyle = c === null ? "#3b7ddd" : "hsl(" + Math.round((c * 137.508) % 360) + ", 65%, 48%)";
      g.fillRect(pad + (res.x[i] - minX) * sx - size / 2, H - pad - (res.y[i] - minY) * sy - size / 2, size, size);
    }
  }).catch(function () {});
}

function loadModel() {
  api("GET", "/v1/model").then(function (info) {
    modelInfo = info;
    document.getElementById("model").textContent = info.kind + " - " + info.numItems + " items" + (info.addedItems ? " (" + info.addedItems + " added)" : "") + " - generation " + info.generation;
    renderCodebook(info);
    loadCodeUse();
    loadItemMap();
  }).catch(function (e) { document.getElementById("model").textContent = "error: " + e.message; });
}

document.getElementById("search").addEventListener("input", function () {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(search, 150);
});
document.getElementById("clear").onclick = function () { picked = []; renderHistory(); recommend(); };
document.getElementById("k").addEventListener("change", recommend);
loadModel();
loadExport();
loadCurves();
</script>
</body>
</html>
`;
