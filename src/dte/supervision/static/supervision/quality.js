/* The institutions' quality scores chart (supervision/quality.html), from #chart-institutions-data. */
(function () {
  var d = JSON.parse(document.getElementById("chart-institutions-data").textContent);
  DteCharts.line("chart-institutions", d.periods, Object.keys(d.series).map(function (k) { return { name: k, data: d.series[k] }; }), { max: 100 });
})();
