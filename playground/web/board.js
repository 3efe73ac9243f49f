// Backprop Playground's live board: a Streamlit Components v2 module.
//
// The decision-boundary view is also the drawing surface; beside it the loss and gradient charts.
// Plotly is loaded once from the app's own server (playground/serve.py serves the plotly package's copy; never a
// CDN), and used only through `plotlyAdapter` below. The figures are built in Python (playground/figures.py); this
// module creates them once and then only restyles their data.
// Frames arrive two ways: in `data.frame` when the script reruns, and, while training plays, from a hidden
// `.bp-frame` element that the play loop streams with st.html (public API, no widget per frame). Only the
// newest frame is ever drawn. Drawing is local first: a point shows at once, then goes to Python.

// ---- the schema: playground/board.py's TypedDicts, the same names and keys (tests/test_package.py checks) ----
/**
 * @typedef {Object} Points  one entry per point in each list
 * @property {number[]} x
 * @property {number[]} y  x₂ on a 2-D board, the target on a 1-D one
 * @property {number[]} c  class index (classification) or target value (regression)
 * @property {number[]} t  1: a test point
 */
/**
 * @typedef {Object} Curve  a 1-D board's network output ŷ(x) over the view
 * @property {number[]} x
 * @property {number[]} y
 */
/**
 * @typedef {Object} LossSeries  the loss chart's traces (null for NaN or ±∞); a delta frame's from index `at` on
 * @property {number} at  these entries replace the base frame's from this index on (0: the whole series)
 * @property {number[]} e  epochs
 * @property {(number|null)[]} tr  train loss
 * @property {(number|null)[]} te  test loss
 * @property {(number|null)[]} rg  regularisation loss ([] when there is none)
 * @property {(number|null)[]} sc  test accuracy or R²
 */
/**
 * @typedef {Object} GradSeries  ‖∂L/∂Wˡ‖ per layer (a delta frame's from index `at` on)
 * @property {number} at  as LossSeries.at
 * @property {number[]} e  epochs
 * @property {(number|null)[][]} g  one list per layer
 * @property {boolean} zero  every gradient of the latest epoch is exactly 0
 */
/**
 * @typedef {Object} Frame  one state of the session: full (base = seq), or a delta against the full frame `base`
 * @property {number} seq  increases with every frame; only the newest is drawn
 * @property {number} base  the full frame this one builds on (its own seq: a full frame)
 * @property {string} figs_key  the figures this frame fills
 * @property {string[]} acks  ids of the strokes Python has applied (the newest of them)
 * @property {string} label  "Epoch 1,234"
 * @property {string} [z]  2-D: the output field: base64 of zlib of g×g uint8 levels, row 0 = lowest y, each row
 *   as differences from the level on its left (mod 256)
 * @property {number} [g]  2-D: the field's grid size
 * @property {Curve} [curve]  1-D: the network's curve
 * @property {string} pv  a hash of the points (restyled only when it changes)
 * @property {Points} [pts]  full frames only
 * @property {string} wrong  base64 of a bit per point of pts (bit i of byte i >> 3, lowest first): misclassified
 * @property {LossSeries} loss
 * @property {string|null} warn  a sign of trouble, shown instead of the hint
 * @property {GradSeries} grad
 */
/**
 * @typedef {Object} BoardContext  what the page tells the board besides the figures and the frame
 * @property {"add"|"erase"|"inspect"} tool
 * @property {number} label  the class a click adds
 * @property {number} target  the target a click adds (regression)
 * @property {number} classes  0 for regression
 * @property {string[]} colors  a colour per class
 * @property {string} mistake  the ring around a misclassified point
 * @property {boolean} one_d
 * @property {boolean} show_test
 * @property {boolean} big  projector mode
 * @property {string} hint
 * @property {string} zero_gradients  the gradient chart's note when every gradient is exactly 0
 * @property {number} max_unacked  strokes resent until a frame acknowledges them (board.MAX_UNACKED)
 * @property {string} plotly_src  plotly.js, relative to the page
 * @property {number[]|null} inspected  the point open in the step inspector, marked on the board
 */
/**
 * @typedef {Object} Traces  which trace of each figure is restyled (the gradient chart: trace l is layer l)
 * @property {number} field  the board's shading (its colour bar) or a 1-D board's curve
 * @property {number} train
 * @property {number} test
 * @property {string[]} loss  LossSeries keys in the loss chart's trace order
 */
/**
 * @typedef {Object} BoardData  the component's `data`
 * @property {Object} figs  Plotly figure JSON: board, loss, grad
 * @property {string} figs_key  changes when the figures must be rebuilt
 * @property {Traces} traces
 * @property {string} id  the board's id, named by streamed frames
 * @property {BoardContext} ctx
 * @property {Frame} frame
 */
/**
 * @typedef {Object} Stroke  one click or drag, as sent to Python
 * @property {string} id
 * @property {"add"|"erase"|"inspect"} tool
 * @property {number} label
 * @property {number} target
 * @property {number} radius  the eraser's and the spray's radius in data units
 * @property {number[][]} pts  [x, y] pairs: the points added, or the eraser's path
 */
/**
 * @typedef {Object} StrokeBatch  the `stroke` trigger value: every stroke not acknowledged yet
 * @property {Stroke[]} batch
 */

const W = window;
const M = (W.__bpMetrics ||= { frames: 0, applyMs: [], clickLat: [], strokes: 0, seqs: [], gaps: 0, resends: 0 });
const boards = (W.__bpBoards ||= {});

/**
 * Every use of Plotly, in one place: the public calls (newPlot, restyle and relayout by trace index, resize,
 * gd.layout) and the one internal the board needs, `_fullLayout`'s axes, for pixel ↔ data conversion while
 * drawing (no public API gives it; checked with the plotly.js of the plotly major version pyproject.toml pins).
 */
function plotlyAdapter(P) {
  const axis = (a) => ({ offset: a._offset, length: a._length, d2p: (v) => a.d2p(v), p2d: (px) => a.p2d(px) });
  return {
    plot: (el, fig, config) => P.newPlot(el, fig.data, fig.layout, config),
    restyle: (el, update, traces) => P.restyle(el, update, traces),
    relayout: (el, update) => P.relayout(el, update),
    resize: (el) => P.Plots.resize(el),
    layout: (el) => el.layout || {},
    /** The plot area's axes (offsets and lengths in px inside `el`), or null before the first plot. */
    axes(el) {
      const fl = el._fullLayout;
      return fl && fl.xaxis && fl.yaxis ? { x: axis(fl.xaxis), y: axis(fl.yaxis) } : null;
    },
  };
}

/** The adapter, once plotly.js has loaded (null before). */
const plotly = () => (W.Plotly ? (W.__bpPlotlyAdapter ||= plotlyAdapter(W.Plotly)) : null);

function loadPlotly(path) {
  if (W.Plotly) return Promise.resolve(plotly());
  const src = new URL(path, document.baseURI).href;
  return (W.__bpPlotly ||= new Promise((res, rej) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = () => res(plotly());
    s.onerror = () => {
      W.__bpPlotly = null; // the next frame tries again
      rej(new Error("could not load " + src + ": start the app with `backprop-playground`"));
    };
    document.head.appendChild(s);
  }));
}

// The play loop's frames: one observer for the page, frames routed to their board by id.
if (!W.__bpObserver) {
  W.__bpObserver = new MutationObserver(() => {
    for (const el of document.querySelectorAll(".bp-frame")) {
      if (el.__seen) continue;
      el.__seen = true;
      const st = boards[el.dataset.board];
      if (!st) continue;
      const f = resolve(st, JSON.parse(el.textContent));
      st.streaming = true;
      if (f && (!st.latest || f.seq > st.latest.seq)) { st.latest = f; pump(st); }
    }
  });
  W.__bpObserver.observe(document.body, { subtree: true, childList: true, characterData: true });
}

/** A frame as drawn: a full one becomes the base of the deltas after it; a delta is spliced onto its base (its
 * base's points, its curve entries from `at` on). A delta on a base this board does not hold (a full frame missed,
 * or not arrived yet) keeps the charts and points as shown and draws only what it carries whole: the field, the
 * label, the acknowledgements, the mistakes (if the points are the same). Charts lag until the next full frame
 * (Python sends one at least every board.FULL_EVERY frames), never show a wrong series.
 * @param {Frame} f @returns {Frame|null} */
function resolve(st, f) {
  if (f.base === f.seq) {
    if (!st.base || f.seq > st.base.seq) st.base = f;
    return f;
  }
  const b = st.base;
  if (b && b.seq === f.base && b.figs_key === f.figs_key) {
    const L = f.loss, G = f.grad, cut = (a, at, tail) => a.slice(0, at).concat(tail);
    const loss = { at: 0 };
    for (const k of ["e", "tr", "te", "rg", "sc"]) loss[k] = cut(b.loss[k], L.at, L[k]);
    const grad = { at: 0, zero: G.zero, e: cut(b.grad.e, G.at, G.e), g: b.grad.g.map((a, l) => cut(a, G.at, G.g[l])) };
    return { ...f, pts: b.pts, loss, grad };
  }
  const shown = st.latest && st.latest.figs_key === f.figs_key ? st.latest : null;
  if (!shown || f.seq <= shown.seq) return null; // (an older delta, seen after a newer full frame: not drawn)
  M.gaps++;
  const keep = { pts: shown.pts, pv: shown.pv, wrong: f.pv === shown.pv ? f.wrong : shown.wrong };
  return { ...f, ...keep, base: shown.base, loss: shown.loss, grad: shown.grad };
}

// The colourscale as 256 RGBA entries: level q of a frame's field is colour lut[q].
function makeLut(scale) {
  const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const lut = new Uint8ClampedArray(256 * 4);
  for (let q = 0; q < 256; q++) {
    const t = q / 255;
    let k = 0;
    while (k < scale.length - 2 && t > scale[k + 1][0]) k++;
    const [t0, c0] = scale[k], [t1, c1] = scale[k + 1];
    const u = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
    const a = hex(c0), b = hex(c1);
    for (let j = 0; j < 3; j++) lut[4 * q + j] = a[j] + (b[j] - a[j]) * u;
    lut[4 * q + 3] = 255;
  }
  return lut;
}

const bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

// A frame's `z` → its g×g levels: inflate (zlib), then undo each row's differences (board.py pack_field).
async function fieldLevels(b64, g) {
  const stream = new Blob([bytesOf(b64)]).stream().pipeThrough(new DecompressionStream("deflate"));
  const q = new Uint8Array(await new Response(stream).arrayBuffer());
  for (let i = 0; i < g; i++) for (let j = 1, o = i * g; j < g; j++) q[o + j] = (q[o + j] + q[o + j - 1]) & 255;
  return q;
}

// A frame's field (row 0 = lowest y) → a PNG data URL, top row first.
async function fieldImage(st, b64, g) {
  const q = await fieldLevels(b64, g), c = (st.fieldCanvas ||= document.createElement("canvas"));
  c.width = g; c.height = g;
  const ctx = c.getContext("2d"), img = ctx.createImageData(g, g), lut = st.lut;
  for (let i = 0; i < g; i++) {
    const row = (g - 1 - i) * g;
    for (let j = 0; j < g; j++) {
      const v = q[i * g + j], o = 4 * (row + j);
      img.data[o] = lut[4 * v]; img.data[o + 1] = lut[4 * v + 1]; img.data[o + 2] = lut[4 * v + 2]; img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return c.toDataURL();
}

function near(xa, ya, px, py, r2) {
  const dx = xa - px, dy = ya - py;
  return dx * dx + dy * dy <= r2;
}

// Points to draw: the server's minus those erased locally, plus those drawn locally.
function pointTraces(st) {
  const f = st.shown, ctx = st.ctx, P = f.pts, bits = bytesOf(f.wrong || "");
  const wrong = (i) => (bits[i >> 3] >> (i & 7)) & 1;
  const erase = st.erases.flatMap((e) => e.path), r2 = (st.radius || 0) ** 2;
  const parts = [{ x: [], y: [], c: [] }, { x: [], y: [], c: [] }, { x: [], y: [], c: [] }];
  for (let i = 0; i < P.x.length; i++) {
    if (erase.length && erase.some((q) => near(P.x[i], P.y[i], q[0], q[1], r2))) continue;
    const part = parts[P.t[i] ? 1 : 0];
    const c = ctx.classes ? ctx.colors[P.c[i]] : P.c[i];
    part.x.push(P.x[i]); part.y.push(P.y[i]); part.c.push(c);
    if (wrong(i) && (ctx.show_test || !P.t[i])) { parts[2].x.push(P.x[i]); parts[2].y.push(P.y[i]); }
  }
  return { train: parts[0], test: parts[1], wrong: parts[2] };
}

// Drawn-but-unconfirmed points go on a canvas over the plot: a few microseconds, even while Plotly is busy.
function drawInk(st) {
  const c = st.ink, P = plotly(), ax = P && P.axes(st.board);
  const dpr = W.devicePixelRatio || 1, w = c.clientWidth, h = c.clientHeight;
  // both sides: a canvas laid out before its square had its height kept 300×150 pixels, shown stretched
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
  }
  const g = c.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  if (!ax) return;
  const ox = ax.x.offset, oy = ax.y.offset; // an axis may give up domain to keep the 1:1 scale
  const wr = st.wrong;
  if (wr && wr.x.length) { // misclassified points: dark rings (no class has that colour)
    g.beginPath();
    for (let i = 0; i < wr.x.length; i++) {
      const px = ox + ax.x.d2p(wr.x[i]), py = oy + ax.y.d2p(wr.y[i]);
      g.moveTo(px + 6.5, py); g.arc(px, py, 6.5, 0, 2 * Math.PI);
    }
    g.strokeStyle = st.ctx.mistake || "#1a1a1a"; g.globalAlpha = 0.7; g.lineWidth = 1.3; g.stroke();
    g.globalAlpha = 1;
  }
  const q = st.ctx.inspected;
  if (q) { // the step inspector's point: a gold ring with a dark edge, clear of a mistake's ring
    const px = ox + ax.x.d2p(q[0]), py = oy + ax.y.d2p(q[1]);
    g.beginPath(); g.arc(px, py, 10.5, 0, 2 * Math.PI);
    g.lineWidth = 4; g.strokeStyle = "#1a1a1a"; g.stroke();
    g.lineWidth = 2.5; g.strokeStyle = "#f5b700"; g.stroke();
  }
  for (const s of st.pending) for (const p of s.pts) {
    g.beginPath();
    g.arc(ox + ax.x.d2p(p[0]), oy + ax.y.d2p(p[1]), 5, 0, 2 * Math.PI);
    g.fillStyle = st.ctx.classes ? st.ctx.colors[s.label] : "#555";
    g.fill(); g.lineWidth = 1.5; g.strokeStyle = "#222"; g.stroke();
  }
  if (st.stroke && st.stroke.tool === "erase") {
    const q = st.stroke.path[st.stroke.path.length - 1];
    g.beginPath();
    g.arc(ox + ax.x.d2p(q[0]), oy + ax.y.d2p(q[1]), 14, 0, 2 * Math.PI);
    g.strokeStyle = "#d62728"; g.lineWidth = 2; g.stroke();
  }
}

// Restyle the point traces; train/test only when the points (or what is erased, or the view) changed.
function drawPoints(st, force = true) {
  if (!st.shown) { drawInk(st); return Promise.resolve(); }
  const t = pointTraces(st);
  st.wrong = t.wrong;
  drawInk(st);
  const sig = st.shown.pv + ":" + st.erases.map((e) => e.id + e.path.length).join() + st.ctx.show_test;
  if (!force && sig === st.pointsSig) return Promise.resolve(); // Plotly's points are current
  st.pointsSig = sig;
  const upd = { x: [t.train.x, t.test.x], y: [t.train.y, t.test.y] };
  if (!st.ctx.one_d) upd["marker.color"] = [t.train.c, t.test.c];
  if (st.ctx.classes) upd["marker.line.color"] = ["white", t.test.c];
  return plotly().restyle(st.board, upd, [st.traces.train, st.traces.test]);
}

async function build(st) {
  let P;
  try {
    P = await loadPlotly(st.ctx.plotly_src);
  } catch (e) {
    st.root.querySelector(".bp-hint").textContent = e.message;
    throw e;
  }
  const figs = st.figs;
  await P.plot(st.board, figs.board, { ...CHART_CONFIG, staticPlot: true });
  await plotChart(P, st.loss, figs.loss);
  await plotChart(P, st.grad, figs.grad);
  st.builtKey = st.figsKey;
  st.lut = makeLut(figs.board.data[st.traces.field].colorscale || [[0, "#ffffff"], [1, "#000000"]]);
  st.pointsSig = null;
}

const CHART_CONFIG = { displayModeBar: false, responsive: true };

/** A chart as built, untrained: its axes, ticks and "press Play" note as the figure has them (after a Reset
 * too: restyled empty curves would keep the last run's axes). New figures (a new network, language or import)
 * come with their own notes, shown: what was hidden on the old ones is hidden again, in the new language. */
async function plotChart(P, el, fig) {
  await P.plot(el, structuredClone(fig), CHART_CONFIG); // a copy: Plotly writes ranges and relayouts into it
  el.__bpTicks = el.__bpText = el.__bpNote = el.__bpSig = undefined;
  el.__bpFresh = true;
}

// Plotly labels a log axis spanning up to three decades with bare digits (a loss of 0.2 reads "2" unless 10⁻¹ is
// in view): label plain numbers at 1-2-5 steps there, finer for narrower spans (figures.log_tick_values in Python).
const LOG_TICKS = 6; // figures.LOG_TICKS
function logTickValues(ys) {
  let lo = Infinity, hi = -Infinity;
  for (const y of ys) for (const v of y) if (v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(hi >= lo)) return null;
  const span = hi > lo ? Math.log10(hi / lo) : 0;
  if (span > 3) return null;
  const mant = span > 0.9 ? [1, 2, 5] : span > 0.4 ? [1, 1.5, 2, 3, 5, 7] : [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
  const vals = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++)
    for (const m of mant) { const v = m * 10 ** e; if (v >= lo / 2 && v <= hi * 2) vals.push(v); }
  if (vals.filter((v) => v >= lo && v <= hi).length >= 2 || hi <= lo) return vals;
  // a narrow range (0.62 … 0.74) holds fewer than two of those: evenly spaced round numbers instead
  let step = 10 ** Math.floor(Math.log10((hi - lo) / 4));
  step *= [1, 2, 5, 10].find((m) => m * step >= (hi - lo) / 4);
  const even = [];
  for (let k = Math.floor(lo / step) - 1; k <= Math.ceil(hi / step) + 1; k++)
    if (k * step > 0) even.push(Number((k * step).toPrecision(12)));
  return even;
}

function tickText(v) {
  const a = Math.abs(v);
  const t = Number(v.toPrecision(3));
  return a >= 1e-4 && a < 1e5 ? String(t) : t.toExponential().replace(/e([+-])0*(\d)/, "e$1$2");
}

function logTicks(P, el, ys) {
  const y = P.layout(el).yaxis;
  if (!y || y.type !== "log") return null;
  const vals = logTickValues(ys), sig = vals ? vals.join() : "auto";
  if (el.__bpTicks === sig) return null;
  el.__bpTicks = sig;
  if (!vals) { // powers of ten only (every d-th), as figures.log_decades: auto ticks ran digits into exponents
    let lo = Infinity, hi = -Infinity;
    for (const y of ys) for (const v of y) if (v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const d = hi > lo ? Math.max(1, Math.ceil(Math.log10(hi / lo) / LOG_TICKS)) : 1;
    return P.relayout(el, { "yaxis.tickmode": "linear", "yaxis.tick0": 0, "yaxis.dtick": d,
      "yaxis.tickvals": null, "yaxis.ticktext": null });
  }
  return P.relayout(el, { "yaxis.tickmode": "array", "yaxis.tickvals": vals, "yaxis.ticktext": vals.map(tickText) });
}

// Between the steps of a frame the browser may handle a click: the new point paints within one step (≈10–20
// ms), not after the whole frame (≈40–60 ms on a 2-core laptop).
const yieldToInput = () =>
  W.scheduler && W.scheduler.yield ? W.scheduler.yield() : new Promise((r) => setTimeout(r, 0));

/** Draw frame `f` into the built figures. @param {Frame} f */
async function applyFrame(st, f) {
  const P = plotly(), T = st.traces, t0 = performance.now();
  if (f.acks) {
    st.outbox = st.outbox.filter((s) => !f.acks.includes(s.id));
    if (!st.outbox.length) { clearTimeout(st.resendTimer); st.resends = 0; }
    // a stroke drawn locally stays until Python has it: while it is being drawn or waits in the outbox
    const waiting = (s) => s === st.stroke || st.outbox.some((o) => o.id === s.id);
    st.pending = st.pending.filter(waiting);
    st.erases = st.erases.filter(waiting);
  }
  st.shown = f;
  if (f.z) await P.relayout(st.board, { "images[0].source": await fieldImage(st, f.z, f.g) });
  else if (f.curve) await P.restyle(st.board, { x: [f.curve.x], y: [f.curve.y] }, [T.field]);
  const t1 = performance.now();
  await yieldToInput();
  await drawPoints(st, false);
  const t2 = performance.now();
  await yieldToInput();
  // the two charts take turns while frames stream; a rerun's frame updates both
  st.turn = !st.turn;
  // (a chart whose data did not change, as after a click or a new network, is left alone: 30–60 ms saved)
  const both = !st.streaming, L = f.loss, G = f.grad, ls = JSON.stringify(L), gs = JSON.stringify(G);
  const empty = !L.e.length;
  if (empty) { // untrained (a Reset, a new network): the charts as built
    for (const [el, fig] of [[st.loss, st.figs.loss], [st.grad, st.figs.grad]]) {
      if (!el.__bpFresh) await plotChart(P, el, fig);
    }
  } else {
    if ((both || st.turn) && ls !== st.loss.__bpSig) {
      st.loss.__bpSig = ls; st.loss.__bpFresh = false;
      await P.restyle(st.loss, { x: T.loss.map(() => L.e), y: T.loss.map((k) => L[k]) }, T.loss.map((_, i) => i));
      await logTicks(P, st.loss, [L.tr, L.te, L.rg]);
      await yieldToInput();
    }
    if ((both || !st.turn) && gs !== st.grad.__bpSig) {
      st.grad.__bpSig = gs; st.grad.__bpFresh = false;
      await P.restyle(st.grad, { x: G.g.map(() => G.e), y: G.g }, G.g.map((_, i) => i));
      await logTicks(P, st.grad, G.g);
    }
  }
  // the last annotation of each chart: "press Play" while untrained; on the gradient chart also the word
  // that every gradient is exactly 0 (a log axis shows nothing of them)
  for (const el of [st.loss, st.grad]) {
    const notes = P.layout(el).annotations || [];
    if (!notes.length) continue;
    if (el.__bpText === undefined) el.__bpText = notes[notes.length - 1].text;
    const text = empty ? el.__bpText : el === st.grad && G.zero ? st.ctx.zero_gradients : null;
    if (el.__bpNote !== text) {
      el.__bpNote = text;
      const i = notes.length - 1;
      await P.relayout(el, { [`annotations[${i}].visible`]: text !== null, [`annotations[${i}].text`]: text || "" });
    }
  }
  st.board.dataset.epoch = f.label;
  const hint = st.root.querySelector(".bp-hint"), text = f.warn || st.ctx.hint || "";
  if (hint.textContent !== text) { // a sign of trouble replaces the drawing hint (touched only on a change)
    hint.textContent = text;
    hint.classList.toggle("bp-warn", !!f.warn);
  }
  const t3 = performance.now();
  M.frames++; M.seqs.push(f.seq); M.applyMs.push([t1 - t0, t2 - t1, t3 - t2].map(Math.round));
  requestAnimationFrame(() => { M.shownAt = performance.now(); M.shownSeq = f.seq; }); // painted
  if (M.seqs.length > 500) { M.seqs.splice(0, 250); M.applyMs.splice(0, 250); }
}


function pump(st) {
  if (st.busy || !st.latest || st.latest === st.shown) return;
  if (st.latest.figs_key !== st.figsKey) return; // a frame of an older network
  st.busy = true;
  const f = st.latest;
  const go = st.builtKey === st.figsKey ? Promise.resolve() : build(st);
  go.then(() => applyFrame(st, f))
    .then(() => requestAnimationFrame(() => { st.busy = false; fitBoard(st); pump(st); }))
    .catch((e) => { console.error(e); st.busy = false; });
}

// ---- drawing ------------------------------------------------------------------------------------
function plotXY(st, ev) {
  const P = plotly(), ax = P && P.axes(st.board);
  if (!ax) return null;
  const r = st.board.getBoundingClientRect();
  const px = ev.clientX - r.left - ax.x.offset, py = ev.clientY - r.top - ax.y.offset;
  if (px < 0 || py < 0 || px > ax.x.length || py > ax.y.length) return null;
  return { px, py, x: ax.x.p2d(px), y: ax.y.p2d(py), ax };
}

function startStroke(st, ev) {
  if (ev.button !== 0) return;
  const p = plotXY(st, ev);
  if (!p) return;
  ev.preventDefault();
  const ctx = st.ctx;
  st.radius = Math.abs(p.ax.x.p2d(14) - p.ax.x.p2d(0)); // eraser / spray radius: 14 px in data units
  /** @type {Stroke & {path: number[][], last: number[], t0: number}} */
  const s = { id: Math.random().toString(36).slice(2, 10), tool: ctx.tool, label: ctx.label, target: ctx.target,
    pts: [], path: [[p.x, p.y]], last: [p.px, p.py], t0: ev.timeStamp };
  st.stroke = s;
  if (s.tool === "erase") st.erases.push(s);
  else if (s.tool === "inspect") s.pts.push([p.x, p.y]); // a click picks a point for the step inspector
  else { s.pts.push([p.x, p.y]); st.pending.push(s); }
  drawInk(st);
  requestAnimationFrame(() => M.clickLat.push(performance.now() - s.t0)); // the next paint shows the point
  if (s.tool === "erase") drawPoints(st);
  st.board.setPointerCapture && st.board.setPointerCapture(ev.pointerId);
}

function moveStroke(st, ev) {
  const s = st.stroke;
  if (!s || s.tool === "inspect") return;
  const p = plotXY(st, ev);
  if (!p || Math.hypot(p.px - s.last[0], p.py - s.last[1]) < 10) return;
  s.last = [p.px, p.py];
  s.path.push([p.x, p.y]);
  if (s.tool === "erase") { /* the path itself erases */ }
  else if (!st.ctx.one_d) {
    for (let k = 0; k < 3; k++) { // a spray: three points scattered around the cursor
      const a = Math.random() * 2 * Math.PI, r = Math.sqrt(Math.random()) * st.radius;
      s.pts.push([p.x + r * Math.cos(a), p.y + r * Math.sin(a)]);
    }
  } else s.pts.push([p.x, p.y]);
  if (s.tool === "erase") drawPoints(st);
  else drawInk(st);
}

function endStroke(st) {
  const s = st.stroke;
  if (!s) return;
  st.stroke = null;
  M.strokes++;
  drawInk(st);
  // Every stroke Python has not acknowledged yet goes along: two clicks that land before one script run picks
  // them up share one rerun, and a trigger value alone would carry only the last of them.
  st.outbox.push({ id: s.id, tool: s.tool, label: s.label, target: s.target, radius: st.radius,
    pts: s.tool === "erase" ? s.path : s.pts });
  st.outbox = st.outbox.slice(-st.ctx.max_unacked);
  st.resends = 0;
  sendOutbox(st);
}

// A stroke whose acknowledgement has not come is sent again (Python applies a stroke once, by its id, and
// acknowledges it again): the script run that had it may have been interrupted by a newer rerun (a click on Pause
// right after it) before applying it. Sent again when a script run that started after it (its board data: `lost`)
// comes without its acknowledgement, RESEND_MS after it went at the soonest, doubling with each sending again;
// else only after a long silence (MAX_RESEND_MS, doubling): every sending is a rerun, and reruns faster than a
// busy server finishes one would interrupt each other and none would ever show anything. (Under load a run that
// started before the stroke went can reach its board data later than RESEND_MS: without the doubling, ten
// students drawing every 2 s kept every run preempting the one before, and no Play ever started.)
const RESEND_MS = 400, MAX_RESEND_MS = 6400;
function sendOutbox(st) {
  clearTimeout(st.resendTimer);
  if (!st.outbox.length) return;
  /** @type {StrokeBatch} */
  const value = { batch: st.outbox };
  st.sentAt = performance.now();
  st.setTriggerValue("stroke", value);
  st.resendTimer = setTimeout(() => resend(st), MAX_RESEND_MS * 2 ** st.resends);
}

function resend(st) {
  if (!st.outbox.length) return;
  st.resends++; M.resends++;
  sendOutbox(st);
}

/** A rerun's own frame: strokes it does not acknowledge, sent before it started, were lost. @param {Frame} f */
function lost(st, f) {
  if (f.seq === st.dataSeq) return; // the same data again (a re-render)
  st.dataSeq = f.seq;
  const acked = new Set(f.acks || []);
  st.outbox = st.outbox.filter((s) => !acked.has(s.id));
  if (st.outbox.length && performance.now() - st.sentAt >= RESEND_MS * 2 ** st.resends) resend(st);
}

/** The board's square fits the window's height below it (a projector at 1280×720 shows it whole, without
 * scrolling): its width is capped at the room left between its top and the window's bottom. */
const MIN_BOARD_PX = 300;
function fitBoard(st) {
  const wrap = st.root.querySelector(".bp-wrap");
  const scroller = st.root.closest('[data-testid="stMain"]');
  const top = wrap.getBoundingClientRect().top + (scroller ? scroller.scrollTop : window.scrollY);
  const room = Math.max(MIN_BOARD_PX, Math.floor(window.innerHeight - top - 28));
  const cap = room + "px";
  if (wrap.style.maxWidth === cap) return;
  wrap.style.maxWidth = cap;
  const P = plotly();
  if (st.shown && P) resizeShown(st, P);
}

/** Plotly resizes only a displayed plot (it rejects a hidden one: the board while Streamlit redraws the board
 * fragment around it): wait for it to show, a second at most, then resize; the rings follow the points. */
function resizeShown(st, P, tries = 0) {
  if (!st.board.isConnected) return;
  if (!st.board.getClientRects().length) {
    if (tries < 60) requestAnimationFrame(() => resizeShown(st, P, tries + 1));
    return;
  }
  P.resize(st.board).then(() => drawInk(st), () => {});
}

/** @param {{parentElement: HTMLElement, data: BoardData, setTriggerValue: Function}} args */
export default function ({ parentElement, data, setTriggerValue }) {
  const root = parentElement.querySelector(".bp-root");
  let st = root.__st;
  if (!st) {
    st = root.__st = { root, board: root.querySelector(".bp-board"), loss: root.querySelector(".bp-loss"),
      grad: root.querySelector(".bp-grad"), ink: root.querySelector(".bp-ink"), pending: [], erases: [], outbox: [],
      busy: false, base: null, resends: 0, resendTimer: 0, sentAt: 0, dataSeq: null };
    st.board.addEventListener("pointerdown", (e) => startStroke(st, e));
    st.board.addEventListener("pointermove", (e) => moveStroke(st, e));
    st.board.addEventListener("pointerup", () => endStroke(st));
    st.board.addEventListener("pointercancel", () => endStroke(st));
    window.addEventListener("resize", () => fitBoard(st));
  }
  boards[data.id] = st;
  st.setTriggerValue = setTriggerValue;
  st.ctx = data.ctx;
  st.streaming = false;
  st.root.classList.toggle("bp-big", !!data.ctx.big);
  fitBoard(st);
  if (!(st.shown && st.shown.warn)) st.root.querySelector(".bp-hint").textContent = data.ctx.hint || "";
  if (data.figs_key !== st.figsKey) {
    st.figsKey = data.figs_key; st.figs = data.figs; st.traces = data.traces; st.shown = null;
  }
  if (st.setTriggerValue) lost(st, data.frame);
  const f = resolve(st, data.frame); // a full frame (board.py Stream: the first of a script run)
  if (f && (!st.latest || f.seq >= st.latest.seq || st.latest.figs_key !== st.figsKey)) st.latest = f;
  if (st.shown && st.latest === st.shown) drawPoints(st); // tool or show-test toggles
  pump(st);
}
