/* Khet's Thai date input (core.fields.ThaiDateField): a calendar button beside each text box marked
   data-khet-date, opening flatpickr in Thai with Buddhist Era years. The text box stays a plain text box
   that the person may type into; the server parses it (core.fields.parse_thai_date is the rule, the
   parser here only mirrors it to place the calendar on the date already written). Without this script the
   box is still there and still understood. No inline script: the Content-Security-Policy allows none. */
(function () {
  "use strict";

  var BE_OFFSET = 543;
  var FIRST_BE_YEAR = 2400; // a year from here on is BE, below it CE (as on the server)
  var FIRST_DAY = new Date(1900, 0, 1);
  var LAST_DAY = new Date(2400, 11, 31);
  var THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙";

  function twoDigits(n) { return (n < 10 ? "0" : "") + n; }

  function formatThaiDate(date) {
    return twoDigits(date.getDate()) + "/" + twoDigits(date.getMonth() + 1) + "/" + (date.getFullYear() + BE_OFFSET);
  }

  function parseThaiDate(text) {
    var cleaned = String(text || "")
      .replace(/[๐-๙]/g, function (digit) { return String(THAI_DIGITS.indexOf(digit)); })
      .replace(/(พ\.?\s*ศ\.?|ค\.?\s*ศ\.?)/g, " ").trim();
    var day, month, year;
    var match = cleaned.match(/^(\d{1,2})\s*[\/.\- ]\s*(\d{1,2})\s*[\/.\- ]\s*(\d{4})$/);
    if (match) {
      day = +match[1]; month = +match[2]; year = +match[3];
    } else if ((match = cleaned.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/))) {
      year = +match[1]; month = +match[2]; day = +match[3];
    } else {
      return null;
    }
    if (year >= FIRST_BE_YEAR) { year -= BE_OFFSET; }
    var date = new Date(year, month - 1, day);
    var real = date.getFullYear() === year && date.getMonth() === month - 1 && date.getDate() === day;
    return real && date >= FIRST_DAY && date <= LAST_DAY ? date : null;
  }

  /* flatpickr's year box counts in CE and steps by one: it is hidden and a BE year list stands in its place. */
  function showBuddhistYears(picker, label) {
    var ceYearBox = picker.currentYearElement;
    if (!ceYearBox) { return; }
    var wrapper = ceYearBox.parentNode;
    wrapper.classList.add("khet-hidden");
    var years = document.createElement("select");
    years.className = "flatpickr-monthDropdown-months khet-be-year";
    years.setAttribute("aria-label", label);
    years.setAttribute("data-khet-be-year", "");
    wrapper.parentNode.insertBefore(years, wrapper.nextSibling);
    years.addEventListener("change", function () {
      picker.changeYear(parseInt(years.value, 10) - BE_OFFSET);
    });
    picker.khetBuddhistYears = years;
  }

  function refreshBuddhistYears(picker) {
    var years = picker.khetBuddhistYears;
    if (!years) { return; }
    var shown = picker.currentYear;
    var thisYear = new Date().getFullYear();
    var first = Math.max(FIRST_DAY.getFullYear(), Math.min(shown, thisYear - 30));
    var last = Math.min(LAST_DAY.getFullYear(), Math.max(shown, thisYear + 10));
    if (years.dataset.first !== String(first) || years.dataset.last !== String(last)) {
      years.textContent = "";
      for (var year = last; year >= first; year -= 1) {
        var option = document.createElement("option");
        option.value = String(year + BE_OFFSET);
        option.textContent = String(year + BE_OFFSET);
        years.appendChild(option);
      }
      years.dataset.first = String(first);
      years.dataset.last = String(last);
    }
    years.value = String(shown + BE_OFFSET);
  }

  var CALENDAR_ICON = '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16" fill="currentColor" aria-hidden="true">' +
    '<path d="M3.5 0a.5.5 0 0 1 .5.5V1h8V.5a.5.5 0 0 1 1 0V1h1a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H2a2 2 0 0 1-2-2V3a2 2 0 0 1 2-2h1V.5a.5.5 0 0 1 .5-.5zM1 4v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V4H1z"/></svg>';

  function attach(box) {
    if (box.hasAttribute("data-khet-date-ready")) { return; }
    box.setAttribute("data-khet-date-ready", "");
    var group = document.createElement("div");
    group.className = "input-group khet-date";
    box.parentNode.insertBefore(group, box);
    group.appendChild(box);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary";
    button.title = box.getAttribute("data-open-label") || "";
    button.setAttribute("aria-label", button.title);
    button.setAttribute("data-khet-date-open", "");
    button.innerHTML = CALENDAR_ICON;
    group.appendChild(button);
    // flatpickr keeps its own box (never submitted, never seen); the person's box is left to the person.
    var anchor = document.createElement("input");
    anchor.type = "text";
    anchor.tabIndex = -1;
    anchor.className = "khet-hidden";
    anchor.setAttribute("aria-hidden", "true");
    group.appendChild(anchor);

    var picker = window.flatpickr(anchor, {
      locale: window.flatpickr.l10ns.th || "default",
      disableMobile: true, // the phone's own picker is Gregorian: the point of this widget is not to use it
      clickOpens: false,
      allowInput: false,
      positionElement: box,
      minDate: FIRST_DAY,
      maxDate: LAST_DAY,
      monthSelectorType: "dropdown",
      onReady: function (_dates, _text, instance) {
        showBuddhistYears(instance, box.getAttribute("data-year-label") || "");
        refreshBuddhistYears(instance);
      },
      onOpen: function (_dates, _text, instance) { refreshBuddhistYears(instance); },
      onMonthChange: function (_dates, _text, instance) { refreshBuddhistYears(instance); },
      onYearChange: function (_dates, _text, instance) { refreshBuddhistYears(instance); },
      onChange: function (dates, _text, instance) {
        if (!dates.length) { return; }
        box.value = formatThaiDate(dates[0]);
        box.dispatchEvent(new Event("change", { bubbles: true }));
        instance.close();
        box.focus();
      }
    });

    var wasOpen = false;
    // pointerdown comes before flatpickr closes the popup on mousedown/touchstart outside it.
    button.addEventListener("pointerdown", function () { wasOpen = picker.isOpen; });
    button.addEventListener("click", function () {
      if (wasOpen) { wasOpen = false; return; } // a second press closes it (flatpickr already did)
      var written = parseThaiDate(box.value);
      picker.setDate(written, false);
      picker.jumpToDate(written || new Date());
      picker.open();
    });
  }

  function attachAll(root) {
    if (!window.flatpickr) { return; }
    var boxes = (root || document).querySelectorAll("input[data-khet-date]");
    for (var i = 0; i < boxes.length; i += 1) { attach(boxes[i]); }
  }

  window.khetDate = { attachAll: attachAll, parse: parseThaiDate, format: formatThaiDate };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { attachAll(document); });
  } else {
    attachAll(document);
  }
}());
