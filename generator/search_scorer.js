// eventcat: Sphinx reads this file (html_search_scorer) into language_data.js, which the search
// page loads after searchtools.js, so Sphinx's own Scorer exists and only gains a score function.
//
// Sphinx splits a query at dots and scores each word alone, so "video.played" is two words; a
// wire name such as "Played Video" (priority 0, so that a search for it finds it) then outscores
// the event's own name. A result named exactly what the reader typed comes first.
// (This file is copied into every site: no example here may name one organisation's events.)
(function () {
  "use strict";
  if (typeof Scorer === "undefined") return;
  var query = (new URLSearchParams(window.location.search).get("q") || "").trim().toLowerCase();
  var previous = Scorer.score;
  Scorer.score = function (result) {
    var score = previous ? previous(result) : result[4];
    // result: [docname, title, anchor, description, score, filename, kind]
    return query && String(result[1]).toLowerCase() === query ? score + 100 : score;
  };
})();
