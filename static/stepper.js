// The stepper's keyboard shortcuts and play/pause: the two things htmx has no idiom for.
// Everything else (stepping, editing, tabs) is plain links and forms driven by htmx.
(function () {
  "use strict";
  var KEYS = { ArrowLeft: "prev", ArrowRight: "next", Home: "first", End: "last" };
  var playing = false;
  var timer = null;

  function stepLink(kind) {
    return document.querySelector('#stepper [data-step="' + kind + '"][href]');
  }
  function go(kind) {
    var link = stepLink(kind);
    if (link) { link.click(); }
    return Boolean(link);
  }
  // keys belong to the control that has focus when it uses them itself
  function ownsKeys(el) {
    return el && el.closest && el.closest("input, select, textarea, button, summary, [contenteditable]");
  }
  function delay() {
    var speed = document.getElementById("speed");
    return speed ? Number(speed.value) : 800;
  }
  function showState() {
    var button = document.getElementById("play");
    if (!button) { return; }
    button.setAttribute("aria-pressed", String(playing));
    button.textContent = playing ? button.dataset.pause : button.dataset.play;
  }
  function schedule() {
    clearTimeout(timer);
    if (!playing) { return; }
    timer = setTimeout(function () {
      if (!go("next")) { playing = false; showState(); }
    }, delay());
  }
  function toggle() {
    playing = !playing;
    showState();
    if (playing && !stepLink("next")) { go("first"); } else { schedule(); }
  }
  function reveal() {
    var player = document.getElementById("player");
    if (player) { player.hidden = false; }
    // a grid wider than its box scrolls by itself: keep the step's cells in view
    document.querySelectorAll("#stepper .scroll").forEach(function (box) {
      var cell = box.querySelector("td.tap, td.current, th.current");
      if (!cell || box.scrollWidth <= box.clientWidth) { return; }
      var outer = box.getBoundingClientRect();
      var inner = cell.getBoundingClientRect();
      box.scrollLeft += inner.left - outer.left - (outer.width - inner.width) / 2;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || ownsKeys(event.target)) { return; }
    if (KEYS[event.key]) {
      if (go(KEYS[event.key])) { event.preventDefault(); }
    } else if (event.key === " " && document.getElementById("play")) {
      event.preventDefault();
      toggle();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#play")) { toggle(); }
  });
  // The controls send typed numbers after a pause and any other choice at once. htmx's
  // trigger filters ([target.type=='number']) would say so, but they run through Function(),
  // which the Content-Security-Policy forbids; these two events carry the same distinction.
  function relay(name, wanted) {
    return function (event) {
      var form = event.target.closest && event.target.closest("#controls");
      if (form && (event.target.type === "number") === wanted) {
        form.dispatchEvent(new CustomEvent(name));
      }
    };
  }
  document.addEventListener("input", relay("number-input", true));
  document.addEventListener("change", relay("choice-change", false));
  document.addEventListener("htmx:afterSettle", function () { reveal(); schedule(); });
  document.addEventListener("DOMContentLoaded", reveal);
})();
