/* Large-text mode (大字模式), read before the page is drawn so that it never flashes at normal size:
   loaded without defer in <head> (the Content-Security-Policy forbids inline script). The toggle
   itself is in site.js; the choice is kept in localStorage, so it survives navigation. */
(function () {
  "use strict";
  try {
    if (window.localStorage.getItem("dte-large-text") === "1") {
      document.documentElement.classList.add("large-text");
    }
  } catch (e) {
    /* storage refused (private mode): normal text */
  }
})();
