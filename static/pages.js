// The pages' script: what htmx has no idiom for, the same on every page of the core.
//
// - Steps: the step links are real links (they work without script); here they become
//   requests for only what a step changes (X-Part: step, answered with out-of-band pieces).
//   Presses are counted, never dropped: while a step is on its way the target moves on, and
//   the next request asks for the latest target. Playing waits for each step to be shown.
//   A step replaces the URL; a change of configuration (htmx) adds a history entry.
// - Typing: a swap of the board keeps the field being typed in (hx-preserve, set on the
//   incoming copy of the focused field), so its caret and digits are never disturbed.
// - Links between grids: hovering or focusing an output cell outlines the cells its window
//   reads and the kernels that touch it; an input cell, every output it feeds. The rules are
//   convcore's (convcore/views/fields.py: a window; convcore/views/transposed.py: a stamp),
//   applied to the maps the page carries (data-window: one map, or a list of them).
// - A grid whose numbers change with the step (a canvas that fills up) gets the changed
//   cells with the step's marks; the step request says which step is on screen (shown).
// - Messages: the fields and cells a message is about are marked aria-invalid.
(function () {
  "use strict";
  var STEP_KEYS = { ArrowLeft: -1, ArrowRight: 1 };
  var state = {
    main: null, want: null, shown: null, filled: null, busy: false, pending: null,
    playing: false, timer: null, marked: null
  };
  var marked = [];
  var refocus = null;

  function byId(id) { return document.getElementById(id); }
  function main() { return byId("stepper"); }
  function count() {
    var m = main();
    return m && m.dataset.count ? Number(m.dataset.count) : 0;
  }
  function stepUrl(n) {
    var template = main().dataset.stepUrl;
    if (n === 0) { return template.replace(/[?&]t=T$/, ""); }
    return template.replace(/t=T$/, "t=" + n);
  }

  // ---- steps -------------------------------------------------------------------------------

  function goTo(n) {
    var total = count();
    if (!total || !main().dataset.stepUrl) { return false; }
    n = Math.max(0, Math.min(total - 1, n));
    if (state.want === null) { state.want = state.shown; }
    if (n === state.want) { return false; }
    state.want = n;
    if (!state.busy) { request(n); }
    return true;
  }
  // A step's answer is a few out-of-band pieces (templates/partials/step.html), placed here
  // by id. htmx's own out-of-band swap would process every element of them for hx-
  // attributes (about 15 ms for the 98-row tap table of the heaviest page); they have none.
  function request(n, url) {
    state.busy = true;
    var asked = main().dataset.stepUrl;
    // the step on screen, so that a page can send only the numbers that differ from it
    var target = withParam(url || stepUrl(n), "shown", state.shown);
    fetch(target, { headers: { "HX-Request": "true", "X-Part": "step" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("step answered " + response.status); }
        return response.text();
      })
      .then(function (html) {
        // a step answered for a configuration that has changed meanwhile is dropped
        var problems = main() && main().dataset.stepUrl === asked && place(html);
        arrived();
        if (problems) { markProblems(); }
      })
      .catch(function () { state.busy = false; stop(); });
  }
  // true when the answer carried messages (the configuration cannot be shown any more)
  function place(html) {
    var answer = document.createElement("template");
    var messages = false;
    answer.innerHTML = html;
    Array.prototype.slice.call(answer.content.children).forEach(function (piece) {
      var old = piece.id ? byId(piece.id) : null;
      if (!old) { return; }
      var how = piece.getAttribute("hx-swap-oob");
      piece.removeAttribute("hx-swap-oob");
      if (how === "innerHTML") {
        old.innerHTML = piece.innerHTML;
        messages = true;
      } else {
        old.replaceWith(piece);
      }
    });
    return messages;
  }
  function arrived() {
    state.busy = false;
    var s = byId("step-state");
    if (s) { sync(s); }
    if (state.pending) {
      var url = state.pending;
      state.pending = null;
      request(state.shown, url);
    } else if (state.want !== null && state.want !== state.shown) {
      request(state.want);
    } else if (state.playing) {
      tick();
    }
  }
  // bring the step bar, the slider, the links and the URL in line with #step-state
  function sync(s) {
    var m = main();
    var t = Number(s.dataset.t);
    var last = Number(s.dataset.count) - 1;
    m.dataset.t = String(t);
    m.dataset.count = s.dataset.count;
    m.dataset.stepUrl = s.dataset.stepUrl;
    state.shown = t;
    var scrub = byId("scrub");
    if (scrub) {
      scrub.max = String(last);
      scrub.value = String(t);
      scrub.setAttribute("aria-valuetext", s.dataset.label);
    }
    var targets = { first: 0, prev: t - 1, next: t + 1, last: last };
    Object.keys(targets).forEach(function (kind) {
      var link = byId("step-" + kind);
      if (!link) { return; }
      var to = Math.max(0, Math.min(last, targets[kind]));
      link.href = stepUrl(to);
      if (to === t) { link.setAttribute("aria-disabled", "true"); }
      else { link.removeAttribute("aria-disabled"); }
    });
    history.replaceState({ htmx: true }, "", stepUrl(t));
    document.querySelectorAll("#stepper a[data-keep-step]").forEach(function (link) {
      link.href = withStep(link.getAttribute("href"), t);
    });
    applyMarks(JSON.parse(s.dataset.marks));
    applyTabMarks();
    reveal();
  }

  // ---- marks: move the step's classes (app/pages/highlight.py) ------------------------------

  function applyMarks(m) {
    var board = byId("board");
    if (!board) { return; }
    (m.values || []).forEach(function (v) {  // [grid, row, col, class, value, text]
      var td = cellOf(v[0], v[1], v[2]);
      if (!td) { return; }
      if (td.className !== v[3]) { td.className = v[3]; }
      td.dataset.value = v[4];
      var shown = td.querySelector(".v");
      if (shown && shown.textContent !== v[5]) { shown.textContent = v[5]; }
    });
    // the cells the last step marked (the server's marks on the grids, found once per board;
    // a tab's own tables, such as shift-add's planes, carry their own step's marks)
    var last = state.marked ||
      board.querySelectorAll(".views td.tap, .views td.gap, .views td.cur, .views td.win, " +
                             ".views td.tie, .views td[data-w]");
    Array.prototype.forEach.call(last, function (td) {
      td.classList.remove("tap", "gap", "cur", "win", "tie");  // highlight.MARK_CLASSES too
      td.removeAttribute("data-w");
    });
    var now = state.marked = [];
    m.spans.forEach(function (s) {
      for (var r = s[1]; r < s[2]; r++) {
        for (var c = s[3]; c < s[4]; c++) {
          var gap = cellOf(s[0], r, c);
          if (gap) { gap.classList.add("gap"); now.push(gap); }
        }
      }
    });
    m.taps.forEach(function (tap) {
      var td = cellOf(tap[0], tap[1], tap[2]);
      if (!td) { return; }
      td.classList.remove("gap");
      td.classList.add("tap");
      if (tap[3]) { td.setAttribute("data-w", tap[3]); }
      now.push(td);
    });
    m.current.forEach(function (cell) {
      var td = cellOf(cell[0], cell[1], cell[2]);
      if (td) { td.classList.add("cur"); now.push(td); }
    });
    (m.marked || []).forEach(function (cell) {
      var td = cellOf(cell[0], cell[1], cell[2]);
      if (td) { td.classList.add(cell[3]); now.push(td); }
    });
    fill(m.t);
    board.querySelectorAll("table.grid.active").forEach(function (table) {
      if (m.active.indexOf(table.id) < 0) { table.classList.remove("active"); }
    });
    m.active.forEach(function (id) {
      var table = byId(id);
      if (table) { table.classList.add("active"); }
    });
  }
  // the output cells of steps up to t show their values, later ones wait (class todo);
  // only the cells between the last step shown and t change
  function fill(t) {
    var tables = document.querySelectorAll("#board table[data-steps]");
    var done = state.filled === null ? -1 : state.filled;
    var lo = Math.min(done, t);
    var hi = Math.max(done, t);
    tables.forEach(function (table) {
      var rows = table.tBodies[0].rows;
      var cols = rows[0].cells.length;
      var first = Number(table.dataset.steps);
      var from = Math.max(lo + 1, first);
      var to = Math.min(hi, first + rows.length * cols - 1);
      for (var n = from; n <= to; n++) {
        var rel = n - first;
        rows[Math.floor(rel / cols)].cells[rel % cols].classList.toggle("todo", n > t);
      }
    });
    state.filled = t;
  }
  function applyTabMarks() {
    document.querySelectorAll("#tabpanel .tab-on").forEach(function (el) {
      el.classList.remove("tab-on", el.dataset.tabMark);
    });
    document.querySelectorAll("#tabstep .tab-marks").forEach(function (holder) {
      JSON.parse(holder.dataset.marks).forEach(function (pair) {
        document.querySelectorAll("#tabpanel " + pair[0]).forEach(function (el) {
          el.classList.add(pair[1], "tab-on");
          el.dataset.tabMark = pair[1];
        });
      });
    });
  }
  function withParam(url, name, value) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + name + "=" + encodeURIComponent(value);
  }
  // a link to this view with another tab, language or mode: the same step (t comes last)
  function withStep(href, t) {
    var bare = href.replace(/([?&])t=\d+$/, "");
    return t ? bare + (bare.indexOf("?") < 0 ? "?" : "&") + "t=" + t : bare;
  }
  // a link that changes the tab's part of the step (shift-add's taps): asked after the
  // request on its way, if any
  function part(url) {
    if (state.busy) { state.pending = url; return; }
    state.want = state.shown;
    request(state.shown, url);
  }

  // ---- play --------------------------------------------------------------------------------

  function delay() {
    var speed = byId("speed");
    return speed ? Number(speed.value) : 800;
  }
  function showPlaying() {
    var button = byId("play");
    if (!button) { return; }
    button.setAttribute("aria-pressed", String(state.playing));
    button.textContent = state.playing ? button.dataset.pause : button.dataset.play;
  }
  function tick() {
    clearTimeout(state.timer);
    if (!state.playing) { return; }
    state.timer = setTimeout(function () {
      if (state.busy) { return; }
      if (!goTo(state.shown + 1)) { stop(); }
    }, delay());
  }
  function stop() {
    state.playing = false;
    clearTimeout(state.timer);
    showPlaying();
  }
  function toggle() {
    if (state.playing) { stop(); return; }
    state.playing = true;
    showPlaying();
    if (state.shown >= count() - 1) { goTo(0); } else { tick(); }
  }

  // ---- keys and clicks ---------------------------------------------------------------------

  // keys belong to the control that has focus when it uses them itself
  function ownsKeys(el) {
    return el && el.closest &&
      el.closest("input, select, textarea, button, summary, [contenteditable], table.output");
  }
  function outputStep(td) {
    var table = td.closest("table");
    var cols = table.tBodies[0].rows[0].cells.length;
    return Number(table.dataset.steps) + td.parentElement.sectionRowIndex * cols + td.cellIndex;
  }
  function moveInGrid(td, key) {
    var rows = td.closest("table").tBodies[0].rows;
    var r = td.parentElement.sectionRowIndex + (key === "ArrowDown") - (key === "ArrowUp");
    var c = td.cellIndex + (key === "ArrowRight") - (key === "ArrowLeft");
    if (r < 0 || r >= rows.length || c < 0 || c >= rows[r].cells.length) { return; }
    var next = rows[r].cells[c];
    td.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var cell = event.target.closest && event.target.closest("table.output td");
    if (cell) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        if (cell.closest("table[data-steps]")) { goTo(outputStep(cell)); }
      } else if (/^Arrow/.test(event.key)) {
        event.preventDefault();
        moveInGrid(cell, event.key);
      }
      return;
    }
    if (ownsKeys(event.target)) { return; }
    var moved = false;
    if (event.key in STEP_KEYS) {
      moved = goTo((state.want === null ? state.shown : state.want) + STEP_KEYS[event.key]);
    } else if (event.key === "Home") {
      moved = goTo(0);
    } else if (event.key === "End") {
      moved = goTo(count() - 1);
    } else if (event.key === " " && byId("play")) {
      event.preventDefault();
      toggle();
      return;
    }
    if (moved || (event.key in STEP_KEYS && count())) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) { return; }
    if (target.closest("#play")) { toggle(); return; }
    var link = target.closest("#stepper [data-step]");
    if (link) {
      event.preventDefault();
      var kind = link.dataset.step;
      var t = state.want === null ? state.shown : state.want;
      var to = { first: 0, prev: t - 1, next: t + 1, last: count() - 1 }[kind];
      goTo(to);
      return;
    }
    var boardLink = target.closest("#stepper a[data-board]");
    if (boardLink) {
      event.preventDefault();
      htmx.ajax("GET", boardLink.getAttribute("href"), { source: boardLink, swap: "none" });
      return;
    }
    var tabPart = target.closest("#stepper a[data-part]");
    if (tabPart) {
      event.preventDefault();
      if (tabPart.getAttribute("aria-disabled") !== "true") { part(tabPart.href); }
      return;
    }
    var cell = target.closest("#stepper table.output[data-steps] td");
    if (cell) { goTo(outputStep(cell)); }
  });

  // ---- the form ----------------------------------------------------------------------------

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.id === "scrub") { goTo(Number(el.value)); return; }
    var form = byId("controls");
    if (form && el.closest && el.closest("#controls") && el.type === "number") {
      htmx.trigger(form, "config");
    }
    if (el.matches && el.matches("td > input")) {
      var shown = el.parentElement.querySelector(".v");
      if (shown) { shown.textContent = el.value; }
    }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.id === "scrub") { goTo(Number(el.value)); return; }
    var form = byId("controls");
    if (form && el.closest && el.closest("#controls") && el.type !== "number") {
      htmx.trigger(form, "confignow");
    }
  });

  // a swap of the board keeps the focused field itself (its digits, caret and selection)
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var active = document.activeElement;
    var fragment = event.detail.fragment;
    if (!active || !active.id || !fragment || !event.detail.target.contains(active)) { return; }
    refocus = active.id;
    if (active.matches("input, select, textarea")) {
      var twin = fragment.querySelector("#" + CSS.escape(active.id));
      if (twin) { twin.setAttribute("hx-preserve", "true"); }
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (refocus) {
      var el = byId(refocus);
      refocus = null;
      if (el && document.activeElement !== el) { el.focus({ preventScroll: true }); }
    }
    markProblems();
    if (main() !== state.main) { start(); }  // a new board: a change of configuration
  });
  document.addEventListener("htmx:historyRestore", start);

  function markProblems() {
    document.querySelectorAll("#stepper .ferr[id^='err-']").forEach(function (slot) {
      var bad = slot.querySelector(".msg") !== null;
      // the fields the server rejected, or all the control's fields when none was singled out
      var named = slot.querySelector("[data-fields]");
      var fields = named ? named.dataset.fields.split(" ").map(function (n) { return "f-" + n; }) : null;
      document.querySelectorAll("[aria-describedby~='" + slot.id + "']").forEach(function (el) {
        if (bad && (!fields || fields.indexOf(el.id) >= 0)) {
          el.setAttribute("aria-invalid", "true");
        } else {
          el.removeAttribute("aria-invalid");
        }
      });
    });
    document.querySelectorAll("#stepper .bad-cell").forEach(function (el) {
      el.classList.remove("bad-cell");
      el.removeAttribute("aria-invalid");
    });
    document.querySelectorAll("#stepper [data-cells]").forEach(function (holder) {
      holder.dataset.cells.split(" ").forEach(function (word) {
        var parts = word.split(":");
        var field = document.querySelectorAll("input[name='" + parts[0] + "']")[Number(parts[1])];
        if (field) {
          field.setAttribute("aria-invalid", "true");
          (field.closest("td") || field).classList.add("bad-cell");
        }
      });
    });
  }

  // ---- links between the grids -------------------------------------------------------------

  // the maps of the links between grids: each says its rule, the grid it reads (X: the
  // input, or the padded grid its windows slide over) and the grid it writes (Y)
  function linkMaps() {
    var m = main();
    if (!m || !m.dataset.window) { return null; }
    if (m.parsedWindow === undefined) {
      var parsed = JSON.parse(m.dataset.window);
      m.parsedWindow = (Array.isArray(parsed) ? parsed : [parsed]).map(function (w) {
        w.rule = w.rule || "window";
        w.grid = w.grid || "X";
        return w;
      });
    }
    return m.parsedWindow;
  }
  function cellOf(id, row, col) {
    var table = byId(id);
    var body = table && table.tBodies[0];
    var line = body && body.rows[row];
    return line ? line.cells[col] : null;
  }
  function mark(el, cls) {
    if (!el) { return; }
    el.classList.add(cls);
    marked.push([el, cls]);
  }
  function unmark() {
    marked.forEach(function (pair) { pair[0].classList.remove(pair[1]); });
    marked = [];
    var note = byId("note");
    if (note) { note.textContent = ""; }
  }
  // window indices along an axis whose taps include `position` (WindowMap.windows_over)
  function windowsOver(w, axis, position) {
    var found = [];
    for (var index = 0; index < w.out_size[axis]; index++) {
      var offset = position - index * w.stride[axis];
      if (offset >= 0 && offset <= w.dilation[axis] * (w.kernel[axis] - 1) &&
          offset % w.dilation[axis] === 0) { found.push(index); }
    }
    return found;
  }
  // input indices along an axis whose stamp covers canvas `position` (StampMap.feeders)
  function stampsOver(w, axis, position) {
    var found = [];
    for (var index = 0; index < w.in_size[axis]; index++) {
      var offset = position - index * w.stride[axis];
      if (offset >= 0 && offset <= w.dilation[axis] * (w.kernel[axis] - 1) &&
          offset % w.dilation[axis] === 0) { found.push(index); }
    }
    return found;
  }
  function groupRange(w, o) {
    var first = Math.floor(o / w.out_per_group) * w.in_per_group;
    return [first, first + w.in_per_group];
  }
  function showField(td) {
    var o = Number(td.closest("table").dataset.channel);
    var oy = td.parentElement.sectionRowIndex;
    var ox = td.cellIndex;
    linkMaps().forEach(function (w) {
      var channels = groupRange(w, o);
      for (var c = channels[0]; c < channels[1]; c++) {
        if (w.rule === "stamp") {
          stampsOver(w, 0, oy + w.offset[0]).forEach(function (iy) {
            stampsOver(w, 1, ox + w.offset[1]).forEach(function (ix) {
              mark(cellOf(w.grid + c, iy, ix), "rf");
            });
          });
          continue;
        }
        for (var i = 0; i < w.kernel[0]; i++) {
          for (var j = 0; j < w.kernel[1]; j++) {
            mark(cellOf(w.grid + c, oy * w.stride[0] + i * w.dilation[0],
                        ox * w.stride[1] + j * w.dilation[1]), "rf");
          }
        }
      }
    });
    document.querySelectorAll("#stepper table.kernel[data-out='" + o + "']").forEach(function (k) {
      mark(k, "rf-kernel");
    });
    mark(td, "rf-here");
  }
  function showReaders(td) {
    var table = td.closest("table");
    var prefix = table.id.replace(/[0-9].*$/, "");
    var c = Number(table.dataset.channel);
    var r = td.parentElement.sectionRowIndex;
    var col = td.cellIndex;
    linkMaps().forEach(function (w) {
      if (w.grid !== prefix) { return; }
      var group = Math.floor(c / w.in_per_group);
      var outs = [group * w.out_per_group, (group + 1) * w.out_per_group];
      if (w.rule === "stamp") {
        for (var so = outs[0]; so < outs[1]; so++) {
          for (var i = 0; i < w.kernel[0]; i++) {
            for (var j = 0; j < w.kernel[1]; j++) {
              mark(cellOf("Y" + so, r * w.stride[0] + i * w.dilation[0] - w.offset[0],
                          col * w.stride[1] + j * w.dilation[1] - w.offset[1]), "rf");
            }
          }
        }
        return;
      }
      var rows = [r];
      var cols = [col];
      var copies = w.row_sources[r] >= 0 && w.col_sources[col] >= 0;
      if (!td.classList.contains("pad") && copies) {
        // an input cell is read where it sits and wherever the padding copies it
        rows = [];
        cols = [];
        w.row_sources.forEach(function (s, i) { if (s === w.row_sources[r]) { rows.push(i); } });
        w.col_sources.forEach(function (s, i) { if (s === w.col_sources[col]) { cols.push(i); } });
      } else if (td.dataset.from) {
        var note = byId("note");
        if (note) { note.textContent = td.getAttribute("aria-label"); }
        mark(cellOf(w.grid + c, w.pads[0] + w.row_sources[r], w.pads[1] + w.col_sources[col]),
             "src");
      }
      for (var o = outs[0]; o < outs[1]; o++) {
        rows.forEach(function (row) {
          windowsOver(w, 0, row).forEach(function (oy) {
            cols.forEach(function (cc) {
              windowsOver(w, 1, cc).forEach(function (ox) { mark(cellOf("Y" + o, oy, ox), "rf"); });
            });
          });
        });
      }
    });
    mark(td, "rf-here");
  }
  function linkCells(event) {
    var td = event.target.closest && event.target.closest("#stepper table.grid td");
    if (!td || !linkMaps()) { return; }
    unmark();
    var table = td.closest("table");
    if (table.classList.contains("output")) { showField(td); }
    else if (table.classList.contains("input")) { showReaders(td); }
  }
  function unlink(event) {
    var td = event.target.closest && event.target.closest("#stepper table.grid td");
    if (td) { unmark(); }
  }
  document.addEventListener("mouseover", linkCells);
  document.addEventListener("focusin", linkCells);
  document.addEventListener("mouseout", unlink);
  document.addEventListener("focusout", unlink);

  // ---- start ---------------------------------------------------------------------------------

  // a grid wider than its box scrolls by itself: keep the step's cells in view (the current
  // output cell, or on a grid marked data-follow the step's first tap)
  function reveal() {
    document.querySelectorAll("#stepper .panel .scroll[data-wide]").forEach(function (box) {
      var table = box.querySelector("table");
      var cell = null;
      if (table && table.matches(".output[data-steps]")) { cell = currentOutput(table); }
      // a grid that asks to follow the step (data-follow): its first marked cell
      else if (table && table.hasAttribute("data-follow")) { cell = table.querySelector("td.tap"); }
      if (!cell) { return; }
      var outer = box.getBoundingClientRect();
      var inner = cell.getBoundingClientRect();
      if (inner.left < outer.left || inner.right > outer.right) {
        box.scrollLeft += inner.left - outer.left - (outer.width - inner.width) / 2;
      }
    });
  }
  function currentOutput(table) {
    var t = state.shown;
    var cols = table.tBodies[0].rows[0].cells.length;
    var rel = t - Number(table.dataset.steps);
    var rows = table.tBodies[0].rows.length;
    if (rel < 0 || rel >= rows * cols) { return null; }
    return table.tBodies[0].rows[Math.floor(rel / cols)].cells[rel % cols];
  }
  function start() {
    var m = main();
    state.main = m;
    state.shown = m && m.dataset.t ? Number(m.dataset.t) : 0;
    state.filled = state.shown;  // the server marked the cells to come
    state.marked = null;  // and the step's cells
    state.want = state.shown;
    stop();
    applyTabMarks();
    var player = byId("player");
    if (player) { player.hidden = false; }
    document.querySelectorAll("#stepper table.output").forEach(function (table) {
      var first = table.tBodies[0] && table.tBodies[0].rows[0] && table.tBodies[0].rows[0].cells[0];
      if (first && !table.querySelector("td[tabindex='0']")) { first.tabIndex = 0; }
    });
    markProblems();
    measure();
  }
  // which grid boxes are narrower than their grid (measured once per board and size)
  function measure() {
    document.querySelectorAll("#stepper .panel .scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) { box.dataset.wide = ""; }
      else { delete box.dataset.wide; }
    });
    reveal();
  }
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(measure, 200);
  });
  document.addEventListener("DOMContentLoaded", function () {
    history.replaceState({ htmx: true }, "", location.href);
    start();
  });
})();
