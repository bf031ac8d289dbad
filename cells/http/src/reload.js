// dodeca live reload: one EventSource per page (it reconnects by itself), reloads when this
// page's route changed, swaps changed stylesheets in place, shows build errors as an overlay.
(function () {
  "use strict";
  var here = location.pathname;
  var overlayId = "__dodeca_overlay";
  function showErrors(errors) {
    var old = document.getElementById(overlayId);
    if (old) old.remove();
    if (!errors.length) return;
    var box = document.createElement("div");
    box.id = overlayId;
    box.setAttribute("style", "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(20,20,20,.92);color:#fdd;font:14px/1.4 monospace;padding:2em;");
    errors.forEach(function (e) {
      var where = e.file + (e.line ? ":" + e.line + (e.column ? ":" + e.column : "") : "");
      var item = document.createElement("pre");
      item.setAttribute("style", "white-space:pre-wrap;margin:0 0 1.5em");
      var text = where + "\n" + e.message;
      if (e.snippet !== null && e.snippet !== undefined) {
        text += "\n\n  " + e.snippet;
        if (e.column) text += "\n  " + " ".repeat(e.column - 1) + "^";
      }
      item.textContent = text;
      box.appendChild(item);
    });
    document.documentElement.appendChild(box);
  }
  function swapStylesheets(assets, revision) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href, location.href);
      if (url.origin === location.origin && assets.indexOf(url.pathname) >= 0) {
        url.searchParams.set("dodeca", String(revision));
        links[i].href = url.toString();
      }
    }
  }
  var source = new EventSource("/__dodeca/events");
  source.addEventListener("change", function (event) {
    var change = JSON.parse(event.data);
    showErrors(change.errors);
    if (change.routes.indexOf(here) >= 0) {
      location.reload();
      return;
    }
    swapStylesheets(change.assets, change.revision);
  });
})();
