/* The background import page (web/job.html): polls the job's progress once a second and moves the
   <progress> bar; once the job has finished, reloads the page to show the result. In a static file
   because the Content-Security-Policy forbids inline script; without JavaScript the page refreshes
   itself (<noscript><meta http-equiv="refresh">) and offers a link 刷新. */
(function () {
  "use strict";
  var box = document.querySelector("[data-job-progress]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-job-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-job-text]");

  function show(d) {
    bar.max = Math.max(d.total, 1);
    bar.value = d.status === "done" ? d.total : d.done;
    bar.textContent = Math.round((100 * bar.value) / bar.max) + "%";
    text.textContent = d.status_label + ":已校验 " + d.done + " / " + d.total + " 行";
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.ok ? r.json() : Promise.reject(new Error(String(r.status)));
      })
      .then(function (d) {
        show(d);
        if (d.finished) {
          window.location.reload();
        } else {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(tick, 5000);
      });
  }

  window.setTimeout(tick, 1000);
})();
