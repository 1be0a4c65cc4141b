/* Keep the dashboard's open incidents and maintenance current without a reload (progressive
 * enhancement): every CONSOLE_REFRESH_SECONDS (data-refresh-seconds, 10 s by default) the fragment at #dashboard-live's data-refresh-url replaces the
 * block when it changed, unless the reader has focus inside it. A status message tells
 * screen reader users when the number of open incidents changes. Without JavaScript the
 * dashboard reloads itself (a <noscript> refresh).
 */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) {
    return;
  }
  var block = document.getElementById("dashboard-live");
  var seconds = parseInt((block && block.getAttribute("data-refresh-seconds")) || "10", 10);
  var INTERVAL_MS = Math.max(seconds, 1) * 1000;
  var live = null;

  function count(block) {
    var number = block.querySelector("#open-incidents .count");
    return number ? number.textContent : "";
  }

  function announce(text) {
    if (!live) {
      live = document.createElement("p");
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      document.body.appendChild(live);
    }
    live.textContent = text;
  }

  function refresh() {
    var current = document.getElementById("dashboard-live");
    var url = current && current.getAttribute("data-refresh-url");
    if (!url) {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .getElementById("dashboard-live");
        current = document.getElementById("dashboard-live");
        if (!fresh || !current || fresh.innerHTML === current.innerHTML) {
          return; // unchanged, or the session ended and the login page came back
        }
        var active = document.activeElement;
        if (active && active !== document.body && current.contains(active)) {
          return;
        }
        var before = count(current);
        current.replaceWith(document.importNode(fresh, true));
        if (count(fresh) !== before) {
          announce(count(fresh) + " open incidents");
        }
      })
      .catch(function () {
        /* offline or signed out: try again next time */
      });
  }

  window.setInterval(refresh, INTERVAL_MS);
})();
