/* Keep the "Awaiting approval" section current without a reload (progressive enhancement).
 *
 * Every CONSOLE_REFRESH_SECONDS (data-refresh-seconds, 10 s by default) the section's data-refresh-url (GET /console/approvals/summary) returns the
 * section as the server renders it now. When its data-version differs (a draft appeared,
 * was decided or edited) the section is replaced; never while the reader is using it: a
 * field with focus or typed into, or an opened "Edit" / "break glass" panel, keeps the
 * section as it is and only the counts change. The counts also go to the page title and the
 * navigation's badge, and a status message tells screen reader users when the number changes.
 * Without JavaScript the dashboard reloads itself (a <noscript> refresh).
 */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) {
    return;
  }
  var first = document.getElementById("approvals");
  var seconds = parseInt((first && first.getAttribute("data-refresh-seconds")) || "10", 10);
  var INTERVAL_MS = Math.max(seconds, 1) * 1000;
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var live = null;

  function dirty(field) {
    if (field.type === "hidden" || field.type === "submit") {
      return false;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      for (var i = 0; i < field.options.length; i++) {
        if (field.options[i].selected !== field.options[i].defaultSelected) {
          return true;
        }
      }
      return false;
    }
    return field.value !== field.defaultValue;
  }

  function inUse(section) {
    var active = document.activeElement;
    if (active && active !== document.body && section.contains(active)) {
      return true;
    }
    if (section.querySelector("details[open]")) {
      return true;
    }
    var fields = section.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      if (dirty(fields[i])) {
        return true;
      }
    }
    return false;
  }

  function announce(count) {
    if (!live) {
      live = document.createElement("p");
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      document.body.appendChild(live);
    }
    live.textContent = count + " awaiting approval";
  }

  // count: the section's cards (all, or one incident's); total: everything waiting.
  function showCount(section, count, total) {
    var before = section.getAttribute("data-count");
    document.title = (total > 0 ? "(" + total + ") " : "") + baseTitle;
    var badge = document.getElementById("nav-approvals");
    var number = document.getElementById("nav-approvals-count");
    if (badge && number) {
      number.textContent = String(total);
      badge.hidden = total === 0;
    }
    var heading = section.querySelector("#approvals-title .count");
    if (heading) {
      heading.textContent = String(count);
    }
    if (before !== null && String(count) !== before) {
      announce(count);
    }
  }

  function refresh() {
    var section = document.getElementById("approvals");
    var url = section && section.getAttribute("data-refresh-url");
    if (!url) {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .getElementById("approvals");
        var current = document.getElementById("approvals");
        if (!fresh || !current) {
          return; // e.g. the session ended and the login page came back
        }
        var count = parseInt(fresh.getAttribute("data-count") || "0", 10);
        var total = parseInt(fresh.getAttribute("data-total") || "0", 10);
        showCount(current, count, total);
        current.setAttribute("data-count", String(count));
        if (fresh.getAttribute("data-version") === current.getAttribute("data-version") ||
            inUse(current)) {
          return;
        }
        current.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () {
        /* offline or signed out: try again next time */
      });
  }

  window.setInterval(refresh, INTERVAL_MS);
})();
