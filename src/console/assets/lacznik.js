// lacznik web console: the only script. Pages work without it; it adds the live updates:
// a page with <body data-live="..."> follows the server's event stream (Server-Sent Events;
// the browser resumes after a dropped connection with Last-Event-ID) and puts each new or
// changed row at the top of the table #na-zywo, announcing it to screen readers.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-live");
  var rows = document.getElementById("na-zywo");
  if (!url || !rows || !window.EventSource) { return; }
  var status = document.getElementById("stan-polaczenia");
  var announce = document.getElementById("ogloszenia");
  function say(el, text) { if (el) { el.textContent = text; } }
  var source = new EventSource(url);
  source.addEventListener("open", function () {
    say(status, "Na żywo: nowe sprawy pojawią się tu same, bez odświeżania strony.");
  });
  source.addEventListener("error", function () {
    say(status, "Połączenie na żywo przerwane — ponawiam… (możesz też odświeżyć stronę)");
  });
  source.addEventListener("row", function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    var holder = document.createElement("tbody");
    holder.innerHTML = data.html;
    var row = holder.firstElementChild;
    if (!row) { return; }
    row.classList.add("fresh");
    var old = document.getElementById(row.id);
    if (old) { old.parentNode.removeChild(old); }
    var empty = document.getElementById("brak-spraw");
    if (empty) { empty.parentNode.removeChild(empty); }
    rows.insertBefore(row, rows.firstElementChild);
    say(announce, data.announce || "Nowa sprawa na liście.");
  });
})();
