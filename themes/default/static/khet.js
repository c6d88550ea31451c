/* Behaviour the templates ask for with data- attributes, so that pages need no inline
   script and the Content-Security-Policy can allow scripts from this site only.
   - <form data-confirm="question">: asks before submitting;
   - <button data-print>: prints the page. */
(function () {
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
