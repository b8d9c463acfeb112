// Plan page: put the cursor in an inline editor when it opens. Everything works without this.
(function () {
  "use strict";
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches(".editor")) {
      var field = elt.querySelector("input:not([type=hidden]), select, textarea");
      if (field) field.focus();
    }
  });
})();
