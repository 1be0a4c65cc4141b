/* Live markdown preview for the console composer (progressive enhancement).
 *
 * Without this script the "Preview" button submits the form and the server re-renders the
 * page with the preview. With it, typing in a textarea carrying data-preview-url posts the
 * text to the console's /preview endpoint and shows the HTML it returns, which the server
 * has already sanitised (statuspage.rendering.markdown_html), in the element named by
 * data-preview-target.
 */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) {
    return;
  }
  var DELAY_MS = 300;

  function enhance(area) {
    var target = document.getElementById(area.getAttribute("data-preview-target"));
    if (!target) {
      return;
    }
    var box = target.closest("[data-preview-box]") || target;
    var token = area.form && area.form.querySelector("input[name=csrf_token]");
    var timer = null;
    var latest = 0;

    function refresh() {
      var mine = ++latest;
      var data = new FormData();
      data.append("body", area.value);
      if (token) {
        data.append("csrf_token", token.value);
      }
      fetch(area.getAttribute("data-preview-url"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          if (mine !== latest) {
            return; // a newer keystroke's preview is on its way
          }
          target.innerHTML = html;
          box.hidden = area.value.trim() === "";
        })
        .catch(function () {
          /* keep the last good preview; the Preview button still works */
        });
    }

    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    });
  }

  Array.prototype.forEach.call(
    document.querySelectorAll("textarea[data-preview-url]"),
    enhance
  );
})();
