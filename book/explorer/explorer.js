/* explorer.js: the post's live explorer, the page side.
 *
 * The controls (book/explorer/explorer.html) describe one run of the lesson
 * program: each control's data-flag is the lesson program's flag it stands
 * for (--lr, --step-size, ...). settingsFromForm reads them; runCore hands
 * them to the kit's core, compiled to WebAssembly (book/explorer/explorer.c),
 * and reads the curve out of the module's memory; drawPlot draws it as SVG.
 * Nothing is fetched: the module is base64 in the page.
 *
 * The URL's hash can drive the explorer, for the book's browser test
 * (tests/explorer) and its screenshots:
 *   #explorer={"pin": SETTINGS, "set": SETTINGS, "cases": [SETTINGS, ...], "time": N}
 * SETTINGS maps the lesson program's flags (without "--") to values, e.g.
 * {"schedule": "plateau", "lr": "0.5", "patience": "3"}. "pin" is run and
 * pinned first, "set" is then shown; "cases" are run one by one through the
 * same controls, and "time" times N redraws of a 100-epoch linear run;
 * "open" opens the table of numbers, "solo" moves the explorer to the top of
 * the page (for screenshots). The results go into
 * <pre id="lr-explorer-results"> as JSON.
 */
(function () {
  'use strict';

  var root = document.getElementById('lr-explorer');
  var wasmText = document.getElementById('lr-explorer-wasm');
  if (!root || !wasmText || typeof WebAssembly !== 'object') return;

  var SCHEDULES = ['constant', 'step', 'exponential', 'plateau', 'warmup_cosine'];
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var form = root.querySelector('form');
  var $ = function (id) { return document.getElementById(id); };
  var core = null;      // the module's exports
  var pinned = null;    // {settings, result, label}
  var current = null;   // the same, for what the controls show now
  var pending = false;

  // ---------------------------------------------------------------- the core

  function decodeBase64(text) {
    var bin = atob(text.replace(/\s+/g, ''));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  // The C library's system calls (wasi_snapshot_preview1): the core only
  // makes them to report running out of memory and stop, so each one ends
  // the run with an error the page shows.
  function systemCalls(module) {
    var imports = {};
    WebAssembly.Module.imports(module).forEach(function (imp) {
      imports[imp.module] = imports[imp.module] || {};
      imports[imp.module][imp.name] = function () {
        throw new Error('the core stopped (' + imp.name + ')');
      };
    });
    return imports;
  }

  function cString(ptr) {
    var bytes = new Uint8Array(core.memory.buffer, ptr);
    var end = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 0 : end));
  }

  function doubles(ptr, n) {
    return Array.prototype.slice.call(new Float64Array(core.memory.buffer, ptr, n));
  }

  // One run with these settings (flag -> text, as settingsFromForm gives):
  // {lr, loss, val (or null), bound, lstar, error}.
  function runCore(s) {
    var num = function (flag) { return Number(s[flag]); };
    var n;
    try {
      n = core.explorer_run(SCHEDULES.indexOf(s.schedule), num('lr'), num('epochs'), num('seed'),
        num('step-size'), num('gamma'), num('factor'), num('patience'), num('threshold'),
        num('cooldown'), num('min-lr'), s['plateau-metric'] === 'val' ? 1 : 0,
        num('warmup'), num('total'), num('batch-size'), num('val-every'), s.model === 'mlp' ? 1 : 0);
    } catch (err) {
      return { error: String(err.message || err) };
    }
    if (n < 0) return { error: cString(core.explorer_error()) };
    return {
      lr: doubles(core.explorer_lr(), n),
      loss: doubles(core.explorer_loss(), n),
      val: core.explorer_has_val() ? doubles(core.explorer_val_loss(), n) : null,
      bound: core.explorer_lr_bound(),
      lstar: core.explorer_loss_star()
    };
  }

  // ---------------------------------------------------------------- the controls

  // The controls that count for this schedule: the shared ones, and the
  // fieldset of the chosen schedule (two schedules both have a gamma).
  function activeControls() {
    var schedule = form.elements.schedule.value;
    return Array.prototype.filter.call(form.querySelectorAll('[data-flag]'), function (el) {
      var box = el.closest('.ex-params[data-for]');
      return !box || box.getAttribute('data-for') === schedule;
    });
  }

  // The flags the lesson program would be given, as text; every flag has a
  // value, the lesson program's default where the schedule does not use it.
  function settingsFromForm() {
    var s = { 'step-size': '50', gamma: '0.1', factor: '0.5', patience: '10', threshold: '0.0001',
              cooldown: '0', 'min-lr': '0', 'plateau-metric': 'train', warmup: '10', total: '0' };
    activeControls().forEach(function (el) { s[el.getAttribute('data-flag')] = el.value.trim(); });
    return s;
  }

  // Sets the controls from flags: schedule first (it decides which gamma).
  function applySettings(s) {
    form.reset();
    if (s.schedule) form.elements.schedule.value = s.schedule;
    showScheduleParams();
    var controls = activeControls();
    Object.keys(s).forEach(function (flag) {
      var el = controls.filter(function (c) { return c.getAttribute('data-flag') === flag; })[0];
      if (!el) throw new Error('the explorer has no control for --' + flag);
      el.value = String(s[flag]);
      if (el.value !== String(s[flag])) throw new Error('--' + flag + ' cannot be ' + s[flag] + ' here');
    });
    syncSlider();
  }

  // The command that gives the same run: shown, so a reader can repeat it.
  function commandFor(s) {
    var defaults = { lr: '0.1', epochs: '100', seed: '0', 'batch-size': '0', 'val-every': '0', model: 'linear' };
    var parts = ['make run LESSON=3.2 SUBMISSION=solutions/3.2 ARGS="--schedule ' + s.schedule];
    activeControls().forEach(function (el) {
      var flag = el.getAttribute('data-flag');
      var value = el.value.trim();
      if (flag === 'schedule' || value === '' || value === el.defaultValue && !(flag in defaults) ||
          defaults[flag] === value) return;
      parts.push('--' + flag + ' ' + value);
    });
    return parts.join(' ') + ' --csv"';
  }

  function showScheduleParams() {
    var schedule = form.elements.schedule.value;
    Array.prototype.forEach.call(form.querySelectorAll('.ex-params[data-for]'), function (box) {
      box.hidden = box.getAttribute('data-for') !== schedule;
    });
  }

  function syncSlider() {
    var lr = Number(form.elements.lr.value);
    if (lr > 0) $('ex-lr-log').value = String(Math.log10(lr));
  }

  // ---------------------------------------------------------------- plots

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(v) {
    if (!isFinite(v)) return isNaN(v) ? 'NaN' : (v > 0 ? '∞' : '−∞');
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e4)) return superscript(v.toExponential(1).replace('e', '×10^').replace('+', '').replace(/^1\.0×/, ''));
    return String(Number(v.toPrecision(3)));
  }

  function superscript(text) {
    // 1×10^-5 -> 10⁻⁵ style for tick labels
    var map = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };
    return text.replace(/\^(-?\d+)/, function (_, e) { return e.split('').map(function (c) { return map[c]; }).join(''); });
  }

  // Ticks of a linear axis: about five round numbers.
  function linearTicks(lo, hi) {
    var raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * mag; }).filter(function (s) { return s >= raw; })[0];
    var ticks = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
    return ticks;
  }

  // plot: {series: [{values, cls}], marks: [{y, label, cls}], ylabel, cap, steps}
  // A log axis when the finite positive values span well over a decade
  // (a rate of 0.1 under a bound of 1 stays linear).
  // Values past the top (a diverged run, NaN, infinity) end the line with a
  // marker at the top edge.
  function drawPlot(svg, plot) {
    var width = Math.max(280, Math.round(svg.parentNode.clientWidth || 640));
    var height = Math.round(Math.min(300, Math.max(210, width * 0.5)));
    var m = { left: 58, right: 12, top: 14, bottom: 40 };
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);

    var finite = [];
    var epochs = 1;
    plot.series.forEach(function (s) {
      epochs = Math.max(epochs, s.values.length);
      s.values.forEach(function (v) { if (isFinite(v) && v > 0) finite.push(v); });
    });
    plot.marks.forEach(function (mk) { if (isFinite(mk.y) && mk.y > 0) finite.push(mk.y); });
    var lo = Math.min.apply(null, finite.length ? finite : [1]);
    var hi = Math.max.apply(null, finite.length ? finite : [1]);
    hi = Math.min(hi, plot.cap || Infinity);
    var log = hi / lo > 20;
    var y0, y1, ticks;
    if (log) {
      y0 = Math.floor(Math.log10(lo)); y1 = Math.ceil(Math.log10(hi));
      if (y1 === y0) y1 = y0 + 1;
      var every = Math.ceil((y1 - y0) / 6);
      ticks = [];
      for (var e = y0; e <= y1; e += every) ticks.push(e);
    } else {
      var pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
      y0 = Math.max(0, lo - pad); y1 = hi + pad;
      ticks = linearTicks(y0, y1);
    }
    var X = function (i) { return m.left + (width - m.left - m.right) * (epochs > 1 ? i / (epochs - 1) : 0); };
    var Y = function (v) {
      var t = log ? (Math.log10(v) - y0) / (y1 - y0) : (v - y0) / (y1 - y0);
      return m.top + (height - m.top - m.bottom) * (1 - t);
    };
    var g = el('g', { class: 'ex-axes' });
    svg.appendChild(g);
    ticks.forEach(function (t) {
      var v = log ? Math.pow(10, t) : t;
      var y = Y(v).toFixed(1);
      g.appendChild(el('line', { x1: m.left, x2: width - m.right, y1: y, y2: y, class: 'ex-grid' }));
      g.appendChild(el('text', { x: m.left - 6, y: y, class: 'ex-tick ex-tick-y' },
                       log ? superscript('10^' + t) : fmt(v)));
    });
    linearTicks(0, epochs - 1).forEach(function (t) {
      if (t !== Math.round(t)) return;
      var x = X(t).toFixed(1);
      g.appendChild(el('line', { x1: x, x2: x, y1: height - m.bottom, y2: height - m.bottom + 4, class: 'ex-axis' }));
      g.appendChild(el('text', { x: x, y: height - m.bottom + 16, class: 'ex-tick ex-tick-x' }, String(t)));
    });
    g.appendChild(el('line', { x1: m.left, x2: width - m.right, y1: height - m.bottom, y2: height - m.bottom, class: 'ex-axis' }));
    g.appendChild(el('line', { x1: m.left, x2: m.left, y1: m.top, y2: height - m.bottom, class: 'ex-axis' }));
    g.appendChild(el('text', { x: (m.left + width - m.right) / 2, y: height - 4, class: 'ex-label' }, 'epoch'));
    g.appendChild(el('text', { x: 12, y: (m.top + height - m.bottom) / 2, class: 'ex-label',
                               transform: 'rotate(-90 12 ' + (m.top + height - m.bottom) / 2 + ')' },
                     plot.ylabel + (log ? ' (log scale)' : '')));

    var top = log ? Math.pow(10, y1) : y1, bottom = log ? Math.pow(10, y0) : y0;
    plot.marks.forEach(function (mk) {
      if (!(isFinite(mk.y) && mk.y >= bottom && mk.y <= top)) return;
      var y = Y(mk.y).toFixed(1);
      svg.appendChild(el('line', { x1: m.left, x2: width - m.right, y1: y, y2: y, class: 'ex-mark ' + mk.cls }));
      svg.appendChild(el('text', { x: width - m.right - 4, y: (Y(mk.y) - 4).toFixed(1), class: 'ex-mark-label ' + mk.cls }, mk.label));
    });
    plot.series.forEach(function (s) {
      var d = '', escaped = -1;
      for (var i = 0; i < s.values.length; i++) {
        var v = s.values[i];
        if (!(isFinite(v) && v <= top)) { escaped = i; break; }
        var yv = Y(Math.max(v, bottom)).toFixed(1);
        // A rate holds for a whole epoch: steps (horizontal, then the change).
        if (d && plot.steps) d += 'H' + X(i).toFixed(1);
        d += (d ? 'L' : 'M') + X(i).toFixed(1) + ' ' + yv;
      }
      if (d) svg.appendChild(el('path', { d: d, class: 'ex-line ' + s.cls }));
      if (escaped >= 0) {
        var x = X(escaped).toFixed(1);
        svg.appendChild(el('path', { d: 'M' + x + ' ' + (m.top + 9) + 'l-5 0l5 -9l5 9z', class: 'ex-escape ' + s.cls }));
      }
    });
  }

  // ---------------------------------------------------------------- text for people and screen readers

  function firstEscape(values, cap) {
    for (var i = 0; i < values.length; i++) if (!(isFinite(values[i]) && values[i] <= cap)) return i;
    return -1;
  }

  function lrChanges(lr) {
    var drops = [];
    for (var i = 1; i < lr.length; i++) if (lr[i] !== lr[i - 1]) drops.push(i);
    return drops;
  }

  function describe(entry) {
    var r = entry.result, s = entry.settings, n = r.loss.length;
    var diverged = firstEscape(r.loss, LOSS_CAP);
    var changes = lrChanges(r.lr);
    var lrText = changes.length === 0 ? 'Rate ' + fmt(r.lr[0]) + ' in every epoch.' :
      'Rate from ' + fmt(r.lr[0]) + ' to ' + fmt(r.lr[n - 1]) + ' at epoch ' + (n - 1) + ', changing ' +
      (changes.length > 12 ? 'every epoch or so' :
        'at epoch' + (changes.length > 1 ? 's ' : ' ') + changes.join(', ')) + '.';
    var bound = s.model === 'linear' ? ' The full-batch stability bound 2/λmax is ' + fmt(r.bound) +
      (r.lr[0] > r.bound ? '; this rate starts above it.' : '; this rate starts below it.') : '';
    var lossText = diverged >= 0 ?
      'The loss diverges: from ' + fmt(r.loss[0]) + ' it passes ' + fmt(LOSS_CAP) + ' at epoch ' + diverged +
        (isFinite(r.loss[n - 1]) ? '' : ' and ends as ' + fmt(r.loss[n - 1])) + '.' :
      'Training loss from ' + fmt(r.loss[0]) + ' to ' + fmt(r.loss[n - 1]) + ' at epoch ' + (n - 1) +
        '; L* = ' + fmt(r.lstar) + '.' +
        (r.val ? ' Validation loss ends at ' + fmt(r.val[n - 1]) + '.' : '');
    return { lr: lrText + bound, loss: lossText, diverged: diverged };
  }

  var LOSS_CAP = 1e6;

  function renderTable() {
    var table = $('ex-table');
    if (!$('ex-table-box').open || !current || current.result.error) return;
    var r = current.result, rows = ['<tr><th scope="col">epoch</th><th scope="col">rate</th><th scope="col">loss</th>' +
      (r.val ? '<th scope="col">validation loss</th>' : '') + '</tr>'];
    for (var i = 0; i < r.loss.length; i++) {
      rows.push('<tr><td>' + i + '</td><td>' + r.lr[i] + '</td><td>' + r.loss[i] + '</td>' +
        (r.val ? '<td>' + r.val[i] + '</td>' : '') + '</tr>');
    }
    table.innerHTML = rows.join('');
  }

  // ---------------------------------------------------------------- one redraw

  function redraw() {
    pending = false;
    var s = settingsFromForm();
    var result = runCore(s);
    current = { settings: s, result: result, label: labelFor(s) };
    var status = $('ex-status');
    if (result.error) {
      status.textContent = 'This run cannot start: ' + result.error + '.';
      status.className = 'ex-status ex-error';
      return current;
    }
    var text = describe(current);
    status.className = 'ex-status' + (text.diverged >= 0 ? ' ex-diverged' : '');
    status.textContent = (pinned ? 'Now: ' : '') + current.label + '. ' + text.loss +
      (pinned ? ' Pinned: ' + pinned.label + ', final loss ' + fmt(pinned.result.loss[pinned.result.loss.length - 1]) + '.' : '');
    showKey(current, result.val);
    var lrSeries = [{ values: result.lr, cls: 'ex-now' }];
    var lossSeries = [{ values: result.loss, cls: 'ex-now' }];
    if (result.val) lossSeries.push({ values: result.val, cls: 'ex-now-val' });
    if (pinned) {
      lrSeries.unshift({ values: pinned.result.lr, cls: 'ex-pinned' });
      lossSeries.unshift({ values: pinned.result.loss, cls: 'ex-pinned' });
    }
    var linear = s.model === 'linear';
    drawPlot($('ex-plot-lr'), { series: lrSeries, ylabel: 'learning rate', steps: true,
      marks: linear ? [{ y: result.bound, label: 'stability bound 2/λmax = ' + fmt(result.bound), cls: 'ex-bound' }] : [] });
    drawPlot($('ex-plot-loss'), { series: lossSeries, ylabel: 'loss, MSE', cap: LOSS_CAP,
      marks: [{ y: result.lstar, label: 'L* = ' + fmt(result.lstar) + ' (best line)', cls: 'ex-lstar' }] });
    $('ex-plot-lr-desc').textContent = 'Learning rate per epoch' + (pinned ? ' (solid: now; dashed: pinned)' : '') +
      '. ' + text.lr;
    $('ex-plot-loss-desc').textContent = 'Training loss per epoch' + (result.val ? ', validation loss dotted' : '') +
      (pinned ? ' (solid: now; dashed: pinned)' : '') + '. ' + text.loss + ' ' + commandFor(s);
    renderTable();
    return current;
  }

  // The plots' key: which line is which (the lines' colours and dashes).
  function showKey(entry, val) {
    var key = $('ex-key');
    key.textContent = '';
    var add = function (cls, text) {
      var item = document.createElement('span');
      item.className = 'ex-key-item ' + cls;
      item.textContent = text;
      key.appendChild(item);
    };
    add('ex-key-now', 'now: ' + entry.label);
    if (val) add('ex-key-val', 'validation loss');
    if (pinned) add('ex-key-pinned', 'pinned: ' + pinned.label);
  }

  function labelFor(s) {
    return s.schedule.replace('_', ' + ').replace('warmup', 'warm-up') + ', η₀ = ' + s.lr +
      (s.model === 'mlp' ? ', MLP' : '') + (Number(s['batch-size']) > 0 ? ', batches of ' + s['batch-size'] : '');
  }

  function scheduleRedraw() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(redraw);
  }

  function pin() {
    if (!current || current.result.error) return;
    pinned = current;
    $('ex-unpin').disabled = false;
    redraw();
  }

  function unpin() {
    pinned = null;
    $('ex-unpin').disabled = true;
    redraw();
  }

  // ---------------------------------------------------------------- the hash: test and screenshots

  function curveText(values) {
    return values ? values.map(function (v) { return String(v); }) : null;
  }

  function median(xs) {
    var s = xs.slice().sort(function (a, b) { return a - b; });
    return s[Math.floor(s.length / 2)];
  }

  function runHash() {
    var match = /^#explorer=(.*)$/.exec(window.location.hash);
    if (!match) return;
    var out = { ok: true };
    try {
      var plan = JSON.parse(decodeURIComponent(match[1]));
      if (plan.cases) {
        out.cases = plan.cases.map(function (c) {
          applySettings(c);
          var entry = redraw();
          var r = entry.result;
          return r.error ? { error: r.error, settings: entry.settings } :
            { settings: entry.settings, lr: curveText(r.lr), loss: curveText(r.loss), val_loss: curveText(r.val) };
        });
      }
      if (plan.time) {
        applySettings({ schedule: 'constant', lr: '0.1', epochs: '100' });
        var times = [];
        for (var i = 0; i < plan.time; i++) {
          var t0 = performance.now();
          redraw();
          root.getBoundingClientRect();   // the layout of the new SVG counts too
          times.push(performance.now() - t0);
        }
        out.redraw_ms = { median: median(times), max: Math.max.apply(null, times), min: Math.min.apply(null, times), runs: times.length };
      }
      if (plan.pin) { applySettings(plan.pin); redraw(); pin(); }
      if (plan.set) { applySettings(plan.set); redraw(); }
      if (plan.open) $('ex-table-box').open = true, renderTable();
      // Screenshots: headless Chromium captures the top of the page, so bring the explorer there.
      if (plan.solo) document.body.insertBefore(root, document.body.firstChild);
    } catch (err) {
      out = { ok: false, error: String(err.message || err) };
    }
    var pre = document.createElement('pre');
    pre.id = 'lr-explorer-results';
    pre.hidden = true;
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }

  // ---------------------------------------------------------------- start

  function start(instance) {
    core = instance.exports;
    if (core._initialize) core._initialize();
    root.hidden = false;
    var fallback = document.querySelector('.explorer-fallback');
    if (fallback) fallback.hidden = true;
    showScheduleParams();
    form.addEventListener('input', function (ev) {
      if (ev.target.id === 'ex-lr-log') form.elements.lr.value = String(Number(Math.pow(10, Number(ev.target.value)).toPrecision(2)));
      else if (ev.target.name === 'lr') syncSlider();
      if (ev.target.name === 'schedule') showScheduleParams();
      scheduleRedraw();
    });
    form.addEventListener('change', function (ev) {
      if (ev.target.name === 'schedule') showScheduleParams();
      scheduleRedraw();
    });
    form.addEventListener('submit', function (ev) { ev.preventDefault(); });
    $('ex-pin').addEventListener('click', pin);
    $('ex-unpin').addEventListener('click', unpin);
    $('ex-reset').addEventListener('click', function () { form.reset(); showScheduleParams(); syncSlider(); scheduleRedraw(); });
    $('ex-table-box').addEventListener('toggle', renderTable);
    var width = 0;
    window.addEventListener('resize', function () {
      if (root.clientWidth !== width) { width = root.clientWidth; scheduleRedraw(); }
    });
    redraw();
    runHash();
  }

  WebAssembly.compile(decodeBase64(wasmText.textContent))
    .then(function (module) { return WebAssembly.instantiate(module, systemCalls(module)); })
    // The static figure comes after this script in the page: start once the
    // whole page is parsed, or the module may be ready before the figure is there.
    .then(function (instance) {
      if (document.readyState !== 'loading') return start(instance);
      document.addEventListener('DOMContentLoaded', function () { start(instance); });
    }, function (err) {
      var pre = document.createElement('pre');
      pre.id = 'lr-explorer-results';
      pre.hidden = true;
      pre.textContent = JSON.stringify({ ok: false, error: 'the core did not start: ' + err });
      document.body.appendChild(pre);
    });
})();
