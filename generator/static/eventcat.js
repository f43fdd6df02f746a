// eventcat: narrows the event index table by text, kind, domain, side, team and tool.
// The filters live in the page address (?tool=segment&team=mercury) so a narrowed list can be
// linked to from tool and team pages, and shared.
(function () {
  "use strict";
  // The pages do not load Bootstrap's script; the theme's own script asks it for one tooltip (the
  // sidebar's collapse button). The browser's title tooltip stands in. This file runs first.
  if (!window.bootstrap) {
    window.bootstrap = { Tooltip: function (element, options) {
      if (element && options && options.title) element.title = options.title;
      this.show = this.hide = function () {};
    } };
  }
  function init() {
    var form = document.getElementById("ec-filters");
    var table = document.getElementById("ec-index");
    if (!form || !table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var count = form.querySelector(".ec-count");
    var keys = ["kind", "domain", "side", "team", "tool"];
    var params = new URLSearchParams(window.location.search);
    ["q"].concat(keys).forEach(function (key) {
      var field = form.elements[key];
      if (field && params.has(key)) field.value = params.get(key);
    });

    function apply() {
      var text = form.elements.q.value.trim().toLowerCase();
      var words = text.split(/[\s,]+/).filter(Boolean);
      var wanted = {};
      keys.forEach(function (key) { wanted[key] = form.elements[key].value; });
      var shown = 0;
      rows.forEach(function (row) {
        // every word typed must appear somewhere in the row's text, in any order
        var ok = words.every(function (word) { return row.dataset.text.indexOf(word) !== -1; });
        keys.forEach(function (key) {
          if (ok && wanted[key]) ok = (" " + row.dataset[key] + " ").indexOf(" " + wanted[key] + " ") !== -1;
        });
        row.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = "Showing " + shown + " of " + rows.length + " events";
      var next = new URLSearchParams();
      if (text) next.set("q", form.elements.q.value.trim());
      keys.forEach(function (key) { if (wanted[key]) next.set(key, wanted[key]); });
      var query = next.toString();
      history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    apply();
  }
  // On a phone, table rows are stacked (see eventcat.css): each cell is labelled with its column.
  function labelCells() {
    Array.prototype.forEach.call(document.querySelectorAll("table.ec-table"), function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          Array.prototype.forEach.call(row.cells, function (cell, i) {
            if (heads[i] && i > 0) cell.setAttribute("data-label", heads[i]);
          });
        });
      });
    });
  }
  // The theme's search button says "Search Ctrl+K" but is labelled "Search": a speech-input user
  // saying what they see would not reach it (axe: label-content-name-mismatch). Its text is its name.
  // Where the theme hides that text (the phone header shows the icon alone) the label stays: it is
  // then the button's only name (axe: button-name).
  function nameSearchButtons() {
    Array.prototype.forEach.call(document.querySelectorAll(".search-button-field[aria-label]"), function (b) {
      var text = b.querySelector(".search-button__default-text");
      if (text && text.getClientRects().length) b.removeAttribute("aria-label");
    });
  }
  // Sphinx lists an event twice when both its object (name or alias) and its page title match:
  // keep the first, best-scored result for each page.
  function dedupeSearchResults() {
    var box = document.getElementById("search-results");
    if (!box || !window.MutationObserver) return;
    var seen = {};
    new MutationObserver(function () {
      Array.prototype.forEach.call(box.querySelectorAll("li"), function (item) {
        if (item.hasAttribute("data-ec-seen")) return;
        item.setAttribute("data-ec-seen", "");
        var link = item.querySelector("a");
        if (!link) return;
        var page = link.href.split("#")[0].split("?")[0];
        if (seen[page]) item.remove();
        else seen[page] = true;
      });
    }).observe(box, { childList: true, subtree: true });
  }
  // The theme's drop-down menus (the header's "More", the colour mode) without Bootstrap's script,
  // which the pages do not load: the button opens the menu beside it; a choice, a click elsewhere
  // or Escape closes it (Escape gives the focus back to the button).
  function dropDowns() {
    var buttons = Array.prototype.slice.call(document.querySelectorAll('[data-bs-toggle="dropdown"]'));
    var menus = buttons.map(function (button) {
      var menu = button.parentElement.querySelector(".dropdown-menu");
      if (menu) menu.setAttribute("data-bs-popper", "static");  // Bootstrap's CSS: below the button
      button.setAttribute("aria-expanded", "false");
      return menu;
    });
    function close(except) {
      buttons.forEach(function (button, i) {
        if (i === except || !menus[i] || !menus[i].classList.contains("show")) return;
        menus[i].classList.remove("show");
        button.setAttribute("aria-expanded", "false");
      });
    }
    buttons.forEach(function (button, i) {
      if (!menus[i]) return;
      button.addEventListener("click", function (event) {
        event.stopPropagation();
        close(i);
        var open = menus[i].classList.toggle("show");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
      menus[i].addEventListener("click", function (event) {
        if (event.target.closest("a, button")) close(-1);
      });
    });
    document.addEventListener("click", function () { close(-1); });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      buttons.forEach(function (button, i) {
        if (menus[i] && menus[i].classList.contains("show")) { close(-1); button.focus(); }
      });
    });
  }
  // The theme's "Back to top" button, which Bootstrap's script drove: shown while the reader scrolls
  // back up, once past the header; it takes them to the top.
  function backToTop() {
    var button = document.getElementById("pst-back-to-top");
    var header = document.querySelector(".bd-header");
    if (!button || !header) return;
    var below = header.getBoundingClientRect().bottom;
    var last = window.scrollY;
    button.addEventListener("click", function () { window.scrollTo(0, 0); });
    window.addEventListener("scroll", function () {
      var y = window.scrollY;
      button.style.display = y < last && y > below ? "block" : "none";
      last = y;
    }, { passive: true });
  }
  function start() {
    nameSearchButtons(); labelCells(); dedupeSearchResults(); dropDowns(); backToTop(); init();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
