// The little JS the pages need; every page works without it.
(function () {
  "use strict";
  // <form data-confirm="Remove this member?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
  // <button data-dialog-open="id"> / <button data-dialog-close> drive a <dialog>.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && dialog.showModal) { event.preventDefault(); dialog.showModal(); }
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) { var d = closer.closest("dialog"); if (d) d.close(); }
  });
  // <select data-browser-timezone> starts on the browser's own zone (the server's default is UTC).
  document.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && select.value === "UTC" && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
  });
  // A server response can close the open dialog with HX-Trigger: closeDialog.
  document.body && document.body.addEventListener("closeDialog", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });
})();
