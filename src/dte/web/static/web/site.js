/* Behaviour shared by every page, in a static file because the Content-Security-Policy forbids inline
   script and event-handler attributes:
   - <button data-print> prints the page;
   - a button, link or form with data-confirm="question" asks first and does nothing unless confirmed
     (irreversible acts: withdrawing, issuing a certificate, completing a class, rejecting, recovery…);
   - a form that posts is sent once: its submit buttons are disabled while the request is in flight
     (a double click or a second press of Enter sends nothing more), and enabled again when the page
     comes back from the browser's history (pageshow) or, for a download that leaves the page in
     place, after a while. Forms driven by htmx and forms marked data-resubmit are left alone. */
(function () {
  "use strict";
  var BUSY = "data-submitting";
  var FALLBACK_MS = 15000;

  function asks(el) {
    var ask = el && el.closest ? el.closest("[data-confirm]") : null;
    return ask ? ask.getAttribute("data-confirm") : null;
  }

  function submitButtons(form) {
    var inside = Array.prototype.slice.call(form.querySelectorAll("button, input[type=submit]"));
    var outside = form.id
      ? Array.prototype.slice.call(document.querySelectorAll('[form="' + form.id + '"]'))
      : [];
    return inside.concat(outside).filter(function (b) {
      return b.type === "submit" || (b.tagName === "BUTTON" && !b.hasAttribute("type"));
    });
  }

  function release(form) {
    form.removeAttribute(BUSY);
    submitButtons(form).forEach(function (b) {
      if (b.hasAttribute("data-busy")) {
        b.disabled = false;
        b.removeAttribute("data-busy");
        b.removeAttribute("aria-busy");
      }
    });
  }

  function isHtmx(form) {
    return ["hx-post", "hx-get", "hx-put", "hx-patch", "hx-delete"].some(function (a) {
      return form.hasAttribute(a);
    });
  }

  // Links and plain buttons with data-confirm; a form's submit buttons are asked on submit below.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var button = target.closest("button, input[type=submit]");
    var submits = button && button.form && submitButtons(button.form).indexOf(button) >= 0;
    var question = submits ? null : asks(target);
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      if (form.hasAttribute(BUSY)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      var question = asks(event.submitter) || form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      if ((form.method || "get").toLowerCase() !== "post" || isHtmx(form) || form.hasAttribute("data-resubmit")) {
        return;
      }
      form.setAttribute(BUSY, "1");
      // Disabled after the browser has read the form: a disabled submitter would drop its name=value.
      window.setTimeout(function () {
        if (!form.hasAttribute(BUSY)) return;
        submitButtons(form).forEach(function (b) {
          if (!b.disabled) {
            b.disabled = true;
            b.setAttribute("data-busy", "1");
            b.setAttribute("aria-busy", "true");
          }
        });
      }, 0);
      window.setTimeout(function () {
        release(form);
      }, FALLBACK_MS);
    },
    true
  );

  // Back to a page kept in the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[" + BUSY + "]"), release);
  });
})();

/* Accessibility and phone width (issue 17, items 6 and 7):
   - the header's 大字模式 button switches large-text mode on and off; the choice is kept in
     localStorage ("dte-large-text") and applied on every page by large-text.js before drawing;
   - each table cell gets its column's header text as data-label, which site.css shows before the
     cell when tables become cards at phone width (also after htmx swaps in new rows). */
(function () {
  "use strict";
  var KEY = "dte-large-text";
  var root = document.documentElement;

  function showState() {
    var on = root.classList.contains("large-text");
    Array.prototype.forEach.call(document.querySelectorAll("[data-text-size]"), function (b) {
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-text-size]") : null;
    if (!button) return;
    var on = root.classList.toggle("large-text");
    try {
      if (on) window.localStorage.setItem(KEY, "1");
      else window.localStorage.removeItem(KEY);
    } catch (e) {
      /* storage refused: the mode lasts for this page only */
    }
    showState();
  });

  function headerTexts(table) {
    var row = table.tHead && table.tHead.rows[0];
    if (!row) return null;
    var texts = [];
    Array.prototype.forEach.call(row.cells, function (th) {
      var text = th.textContent.replace(/[▲▼]/g, "").replace(/\s+/g, " ").trim();
      for (var i = 0; i < (th.colSpan || 1); i++) texts.push(text);
    });
    return texts;
  }

  function labelCells(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll("main table"), function (table) {
      var texts = headerTexts(table);
      if (!texts) return;
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (tr) {
          var col = 0;
          Array.prototype.forEach.call(tr.cells, function (cell) {
            if (!cell.hasAttribute("data-label") && cell.colSpan === 1 && texts[col]) {
              cell.setAttribute("data-label", texts[col]);
            }
            col += cell.colSpan || 1;
          });
        });
      });
    });
  }

  function ready() {
    showState();
    labelCells(document);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
  document.addEventListener("htmx:afterSettle", function () {
    labelCells(document);
  });
})();
