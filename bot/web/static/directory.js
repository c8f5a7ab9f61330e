// The operator's directory (/directory): filter the lists as one types. Without script, the search box
// submits and the server searches (bot/directory/groups.py), so this is only quicker, never needed.
(function () {
  "use strict";
  var box = document.getElementById("directory-q");
  if (!box) { return; }

  // As the server folds: full-width and case folded, spaces and punctuation dropped ("Li Na" → "lina").
  function fold(text) {
    return text.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  }

  function filter() {
    var wanted = fold(box.value);
    var anyShown = false;
    document.querySelectorAll(".dir-group").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll("tr.dir-entry").forEach(function (row) {
        var words = row.getAttribute("data-search") || "";
        var match = !wanted || words.split(" ").some(function (word) { return word.indexOf(wanted) !== -1; });
        row.hidden = !match;
        shown += match ? 1 : 0;
      });
      group.hidden = shown === 0 && group.querySelector("tr.dir-entry") !== null;
      anyShown = anyShown || shown > 0;
    });
    var none = document.getElementById("directory-none");
    if (none) { none.hidden = anyShown || !wanted; }
  }

  box.addEventListener("input", filter);
})();
