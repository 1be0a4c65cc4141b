// Beside each moment the page prints in its own time zone, add the reader's local time:
// "Nov 25, 2022 15:50 CET (09:50 your time)". The server-rendered text stays as it is, so the
// page reads the same without JavaScript. The wording comes from the script tag's
// data-your-time (translated by the server, "{time}" marks the spot) and the page's zone
// from data-zone; nothing is added where the reader's clock already shows the page's time.
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-your-time]");
  if (!script || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var wording = script.getAttribute("data-your-time") || "({time} your time)";
  var pageZone = script.getAttribute("data-zone") || "";
  var language = document.documentElement.lang || undefined;
  var clock = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  var day = { year: "numeric", month: "2-digit", day: "2-digit" };

  function formatter(options, zone) {
    var settings = Object.assign({}, options);
    if (zone) {
      settings.timeZone = zone;
    }
    try {
      return new Intl.DateTimeFormat(language, settings);
    } catch (error) {
      return null; // an unknown zone name: leave the page as the server wrote it
    }
  }

  var localClock = formatter(clock);
  var localDay = formatter(day);
  var localDated = formatter({ day: "numeric", month: "short", hour: "2-digit",
                               minute: "2-digit", hourCycle: "h23" });
  var pageClock = pageZone ? formatter(clock, pageZone) : null;
  var pageDay = pageZone ? formatter(day, pageZone) : null;
  if (!localClock || !localDay || !localDated || (pageZone && (!pageClock || !pageDay))) {
    return;
  }

  var moments = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < moments.length; i++) {
    var element = moments[i];
    var stamp = element.getAttribute("datetime") || "";
    // Dates ("2026-11-27") and months have no time of day to convert.
    if (stamp.indexOf("T") < 0) {
      continue;
    }
    var moment = new Date(stamp);
    if (isNaN(moment.getTime())) {
      continue;
    }
    var sameDay = pageDay && pageDay.format(moment) === localDay.format(moment);
    if (sameDay && pageClock.format(moment) === localClock.format(moment)) {
      continue;
    }
    var note = document.createElement("span");
    note.className = "localtime";
    var shown = sameDay ? localClock.format(moment) : localDated.format(moment);
    note.textContent = " " + wording.replace("{time}", shown);
    element.insertAdjacentElement("afterend", note);
  }
})();
