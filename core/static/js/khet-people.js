/* Khet's people picker (core.fields.PersonField / PeopleField): Tom Select on each <select data-khet-people>,
   searching the JSON endpoint in data-source with the field's signed scope (data-scope) as one types, a page
   at a time as the list scrolls. Chosen people show as chips with a remove button. Without this script the
   <select> still submits the people already chosen; the server checks every id against the field's scope.
   No inline script: the Content-Security-Policy allows none. */
(function () {
  "use strict";

  function searchUrl(select, query, page) {
    var url = new URL(select.getAttribute("data-source"), window.location.href);
    url.searchParams.set("scope", select.getAttribute("data-scope") || "");
    url.searchParams.set("q", query);
    url.searchParams.set("page", String(page));
    return url.toString();
  }

  function attach(select) {
    if (select.tomselect) { return; }
    var multiple = select.multiple;
    // Who the server found for each query: the server searches (name, username, position), so the picker
    // shows exactly those, never a stale suggestion of an earlier query while the answer is on its way.
    var foundFor = {};
    var removeLabel = select.getAttribute("data-remove-label") || "";
    var noResults = select.getAttribute("data-no-results") || "";

    new window.TomSelect(select, {
      plugins: multiple ? { virtual_scroll: {}, remove_button: { title: removeLabel, label: "×" } }
        : { virtual_scroll: {}, clear_button: { title: removeLabel } }, // one person: a button to clear the choice
      valueField: "id",
      labelField: "label",
      searchField: [],
      score: function (query) {
        var found = foundFor[query];
        return function (person) { return found && found[person.id] ? 1 : 0; };
      },
      maxItems: multiple ? null : 1,
      maxOptions: null,
      placeholder: select.getAttribute("data-placeholder") || "",
      hidePlaceholder: !multiple, // one person chosen: the name alone, not the prompt beside it
      closeAfterSelect: !multiple,
      allowEmptyOption: !multiple,
      preload: "focus",
      loadThrottle: 250,
      firstUrl: function (query) { return searchUrl(select, query, 1); },
      load: function (query, callback) {
        var self = this;
        var url = self.getUrl(query);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [], more: false }; })
          .then(function (answer) {
            var page = parseInt(new URL(url).searchParams.get("page") || "1", 10);
            if (page === 1 || !foundFor[query]) { foundFor[query] = {}; }
            answer.results.forEach(function (person) { foundFor[query][person.id] = true; });
            if (answer.more) {
              self.setNextUrl(query, searchUrl(select, query, page + 1));
            }
            callback(answer.results);
          })
          .catch(function () { callback(); });
      },
      render: {
        option: function (person, escape) {
          var details = [person.position, person.place].filter(Boolean).map(escape).join(" · ");
          return "<div class=\"khet-person-option\"><div>" + escape(person.name || person.label) + "</div>" +
            (details ? "<small class=\"text-muted\">" + details + "</small>" : "") + "</div>";
        },
        item: function (person, escape) {
          return "<div title=\"" + escape(person.label) + "\">" + escape(person.name || person.label) + "</div>";
        },
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.textContent = noResults;
          return div;
        }
      }
    });
  }

  /* A plain list to choose several from (equipment, groups: select[multiple][data-khet-chips]): chips and a filter
     over its own options, instead of Ctrl-click. */
  function attachChips(select) {
    if (select.tomselect) { return; }
    new window.TomSelect(select, {
      plugins: { remove_button: { title: select.getAttribute("data-remove-label") || "", label: "×" } },
      maxOptions: null,
      hidePlaceholder: true
    });
  }

  function attachAll(root) {
    if (!window.TomSelect) { return; }
    var selects = (root || document).querySelectorAll("select[data-khet-people]");
    for (var i = 0; i < selects.length; i += 1) { attach(selects[i]); }
    var lists = (root || document).querySelectorAll("select[multiple][data-khet-chips]");
    for (var j = 0; j < lists.length; j += 1) { attachChips(lists[j]); }
  }

  window.khetPeople = { attachAll: attachAll };
  if (window.TomSelect) { document.documentElement.classList.add("khet-js"); } // shows .khet-js-only parts
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { attachAll(document); });
  } else {
    attachAll(document);
  }
}());
