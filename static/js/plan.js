// Plan page: put the cursor in an inline editor, or in a comment thread's text box, when it
// opens (and again after a comment is added). Everything works without this.
(function () {
  "use strict";
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.matches) return;
    if (elt.matches(".editor")) {
      var field = elt.querySelector("input:not([type=hidden]), select, textarea");
      if (field) field.focus();
      return;
    }
    var thread = elt.matches(".thread") ? elt : elt.querySelector(".thread");
    var box = thread && thread.querySelector("textarea");
    if (box) box.focus();
  });
})();
