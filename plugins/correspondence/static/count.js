// A counter under every field marked data-khet-count="<limit>": how many characters of the limit are used,
// red past it. The field has no maxlength on purpose: a browser would cut a pasted text without a word, and
// the server refuses a text too long with a message instead.
(function () {
  "use strict";
  function attach(field) {
    var limit = parseInt(field.getAttribute("data-khet-count"), 10);
    if (!limit) { return; }
    var counter = document.createElement("div");
    counter.className = "form-text";
    counter.setAttribute("aria-live", "polite");
    counter.setAttribute("data-counter", "");
    field.insertAdjacentElement("afterend", counter);
    function update() {
      var used = Array.from(field.value).length;  // characters, as the server counts them (Thai marks included)
      counter.textContent = used + " / " + limit;
      counter.classList.toggle("text-danger", used > limit);
      counter.classList.toggle("fw-semibold", used > limit);
      field.classList.toggle("is-invalid", used > limit);
    }
    field.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("[data-khet-count]").forEach(attach);
})();
