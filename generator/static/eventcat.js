// eventcat: narrows the event index table by text, kind, domain, side, team and tool.
// The filters live in the page address (?tool=segment&team=mercury) so a narrowed list can be
// linked to from tool and team pages, and shared.
(function () {
  "use strict";
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
      var wanted = {};
      keys.forEach(function (key) { wanted[key] = form.elements[key].value; });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !text || row.dataset.text.indexOf(text) !== -1;
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
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
