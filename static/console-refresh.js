/* Keep an open console page current without a reload (progressive enhancement).
 *
 * Each block with an id and a data-refresh-url is fetched again every
 * CONSOLE_REFRESH_SECONDS (data-refresh-seconds, 10 s by default) and replaced by the
 * server's fresh rendering when it changed, never while the reader is using it:
 *
 * - #approvals (drafts awaiting approval, console.approvals_summary): replaced when its
 *   data-version differs, but not while a field in it has focus or was typed into or an
 *   "Edit" / "break glass" panel is open; its counts (section heading, page title, the
 *   navigation's badge) always follow, and a status message tells screen reader users.
 * - #dashboard-live (open incidents and maintenance, console.dashboard_live): replaced when
 *   its content differs, unless focus is inside it.
 *
 * Without JavaScript the dashboard reloads itself (a <noscript> refresh).
 */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) {
    return;
  }
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var live = null;

  function announce(text) {
    if (!live) {
      live = document.createElement("p");
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      document.body.appendChild(live);
    }
    live.textContent = text;
  }

  function hasFocus(block) {
    var active = document.activeElement;
    return !!active && active !== document.body && block.contains(active);
  }

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

  function inUse(block) {
    if (hasFocus(block) || block.querySelector("details[open]")) {
      return true;
    }
    var fields = block.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      if (dirty(fields[i])) {
        return true;
      }
    }
    return false;
  }

  // Fetch the block's fresh rendering and hand the current and the fresh one to `apply`.
  function poll(id, apply) {
    var block = document.getElementById(id);
    var url = block && block.getAttribute("data-refresh-url");
    if (!url) {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
        var current = document.getElementById(id);
        if (fresh && current) { // else e.g. the session ended and the login page came back
          apply(current, fresh);
        }
      })
      .catch(function () {
        /* offline or signed out: try again next time */
      });
  }

  // count: the section's cards (all, or one incident's); total: everything waiting.
  function approvals(current, fresh) {
    var count = parseInt(fresh.getAttribute("data-count") || "0", 10);
    var total = parseInt(fresh.getAttribute("data-total") || "0", 10);
    var before = current.getAttribute("data-count");
    document.title = (total > 0 ? "(" + total + ") " : "") + baseTitle;
    var badge = document.getElementById("nav-approvals");
    var number = document.getElementById("nav-approvals-count");
    if (badge && number) {
      number.textContent = String(total);
      badge.hidden = total === 0;
    }
    var heading = current.querySelector("#approvals-title .count");
    if (heading) {
      heading.textContent = String(count);
    }
    if (before !== null && String(count) !== before) {
      announce(count + " awaiting approval");
    }
    current.setAttribute("data-count", String(count));
    if (fresh.getAttribute("data-version") !== current.getAttribute("data-version") &&
        !inUse(current)) {
      current.replaceWith(document.importNode(fresh, true));
    }
  }

  function openIncidents(block) {
    var number = block.querySelector("#open-incidents .count");
    return number ? number.textContent : "";
  }

  function dashboard(current, fresh) {
    if (fresh.innerHTML === current.innerHTML || hasFocus(current)) {
      return;
    }
    var before = openIncidents(current);
    current.replaceWith(document.importNode(fresh, true));
    if (openIncidents(fresh) !== before) {
      announce(openIncidents(fresh) + " open incidents");
    }
  }

  var refreshers = { approvals: approvals, "dashboard-live": dashboard };
  var seconds = 10;
  Object.keys(refreshers).forEach(function (id) {
    var block = document.getElementById(id);
    if (block && block.getAttribute("data-refresh-seconds")) {
      seconds = parseInt(block.getAttribute("data-refresh-seconds"), 10) || seconds;
    }
  });
  window.setInterval(function () {
    Object.keys(refreshers).forEach(function (id) {
      poll(id, refreshers[id]);
    });
  }, Math.max(seconds, 1) * 1000);
})();
