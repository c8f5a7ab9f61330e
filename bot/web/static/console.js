// Front Desk console: the little that needs script. Everything works without it, only less smoothly.
(function () {
  "use strict";

  // A select marked data-autosubmit saves its form as soon as it changes (presence, roles).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  // Print buttons (the visitor badge).
  document.addEventListener("click", function (event) {
    if (event.target.matches && event.target.matches("[data-print]")) {
      window.print();
    }
  });

  // Blocks with data-refresh are re-fetched every data-every seconds (the live calls).
  document.querySelectorAll("[data-refresh]").forEach(function (block) {
    var url = block.getAttribute("data-refresh");
    var every = Math.max(2, parseInt(block.getAttribute("data-every") || "10", 10)) * 1000;
    setInterval(function () {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || !response.ok) { throw new Error("signed out"); }
          return response.text();
        })
        .then(function (html) { block.innerHTML = html; })
        .catch(function () { /* keep what is shown; the next page load asks to sign in */ });
    }, every);
  });
})();
