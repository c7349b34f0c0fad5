/* Behaviour shared by every page, in a static file because the Content-Security-Policy forbids inline
   script and event-handler attributes:
   - <button data-print> prints the page;
   - a button or link with data-confirm="question" asks first and does nothing unless confirmed. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var ask = target.closest("[data-confirm]");
    if (ask && !window.confirm(ask.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();
