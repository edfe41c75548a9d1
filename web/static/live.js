// strata watch: swaps in the live parts of the page that /events pushes.
// The page works without this script; it only keeps the page current.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var es = new EventSource("/events");
  es.onmessage = function (e) {
    var parts;
    try { parts = JSON.parse(e.data); } catch (err) { return; }
    Object.keys(parts).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.innerHTML = parts[id];
    });
    document.body.classList.remove("offline");
  };
  es.onerror = function () { document.body.classList.add("offline"); };
})();
