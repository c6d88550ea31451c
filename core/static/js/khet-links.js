// The record picker of core/templates/macros/links.html (core.services.links); loaded by base.html.
(function () {
  // Asks core's /links/<kind> as the person types (a short pause first), and copies the chosen record's id.
  document.querySelectorAll("[data-link-picker]").forEach(function (picker) {
    var query = picker.querySelector("[data-link-query]");
    var list = picker.querySelector("datalist");
    var target = document.getElementById(picker.getAttribute("data-link-field"));
    var found = {}, timer = null;
    query.addEventListener("input", function () {
      if (found[query.value]) { target.value = found[query.value]; return; }
      clearTimeout(timer);
      if (query.value.trim().length < 2) return;
      timer = setTimeout(function () {
        fetch(picker.getAttribute("data-link-picker") + "?q=" + encodeURIComponent(query.value.trim()),
              {credentials: "same-origin"})
          .then(function (response) { return response.ok ? response.json() : {results: []}; })
          .then(function (answer) {
            list.textContent = ""; found = {};
            answer.results.forEach(function (record) {
              var option = document.createElement("option");
              option.value = record.title;
              found[record.title] = record.id;
              list.appendChild(option);
            });
          });
      }, 250);
    });
  });
})();
