/*
 * Status pill for other sites. Include it where the pill should appear:
 *
 *   <script src="https://status.example.com/embed.js" async></script>
 *
 * or put <span data-statuspage-embed></span> where you want it (one or several) and include
 * the script anywhere. It reads /api/v2/status.json from the site it was loaded from (CORS
 * allows any origin), shows the page's status with a link to the page, and refreshes every
 * few minutes. It writes text only (never HTML), sets styles through the DOM (so a host page
 * whose CSP forbids inline style attributes still works), and sends no cookies.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || !window.fetch) {
    return;
  }
  var base = new URL(".", script.src);
  var api = new URL("api/v2/status.json", base).href;
  var REFRESH_MS = 5 * 60 * 1000;
  // Fills per Statuspage indicator, each with white text at WCAG AA contrast or better.
  var FILLS = {
    none: "#1a7f37",
    minor: "#9a6700",
    major: "#bc4c00",
    critical: "#cf222e",
    maintenance: "#0969da"
  };

  function targets() {
    var found = document.querySelectorAll("[data-statuspage-embed]");
    if (found.length) {
      return Array.prototype.slice.call(found);
    }
    var span = document.createElement("span");
    span.setAttribute("data-statuspage-embed", "");
    script.parentNode.insertBefore(span, script.nextSibling);
    return [span];
  }

  function style(element, rules) {
    for (var name in rules) {
      if (Object.prototype.hasOwnProperty.call(rules, name)) {
        element.style.setProperty(name, rules[name]);
      }
    }
  }

  function pill(status) {
    var link = document.createElement("a");
    link.className = "statuspage-embed";
    link.href = status.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.setAttribute("data-indicator", status.indicator);
    style(link, {
      "display": "inline-flex", "align-items": "center", "gap": "0.4em",
      "padding": "0.2em 0.7em", "border-radius": "999px", "text-decoration": "none",
      "font": "600 0.875rem/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
      "background": FILLS[status.indicator] || "#6e7781", "color": "#ffffff"
    });
    var dot = document.createElement("span");
    dot.setAttribute("aria-hidden", "true");
    style(dot, {
      "width": "0.6em", "height": "0.6em", "border-radius": "50%",
      "background": "#ffffff", "flex": "none"
    });
    var text = document.createElement("span");
    text.className = "statuspage-embed-text";
    text.textContent = status.description;
    link.appendChild(dot);
    link.appendChild(text);
    return link;
  }

  function show(status) {
    targets().forEach(function (target) {
      while (target.firstChild) {
        target.removeChild(target.firstChild);
      }
      target.appendChild(pill(status));
    });
  }

  function load() {
    fetch(api, { credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show({
          indicator: String(data.status && data.status.indicator || ""),
          description: String(data.status && data.status.description || "Status"),
          url: (data.page && /^https?:\/\//.test(data.page.url)) ? data.page.url : base.href
        });
      })
      .catch(function () {
        show({ indicator: "", description: "Status unavailable", url: base.href });
      });
  }

  load();
  window.setInterval(load, REFRESH_MS);
}());
