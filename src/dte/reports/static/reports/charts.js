/* Thin helpers over Apache ECharts (served locally from /static/vendor/echarts.min.js). Every chart
   on the dashboards has its numbers in a table beside it and a CSV download. */
(function (global) {
  "use strict";
  var PALETTE = ["#b42318", "#0b6bcb", "#1e7b34", "#b54708", "#6941c6", "#0e9384", "#c11574", "#475467"];

  function init(id) {
    var el = document.getElementById(id);
    if (!el || !global.echarts) return null;
    var chart = global.echarts.init(el, null, { renderer: "canvas" });
    global.addEventListener("resize", function () { chart.resize(); });
    el.dataset.drawn = "1";
    return chart;
  }

  function base(extra) {
    var o = {
      color: PALETTE,
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 24, top: 40, bottom: 40, containLabel: true },
    };
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  function line(id, categories, series, opts) {
    var c = init(id);
    if (!c) return;
    opts = opts || {};
    c.setOption(base({
      xAxis: { type: "category", data: categories },
      yAxis: { type: "value", max: opts.max },
      series: series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: true, lineStyle: s.dashed ? { type: "dashed" } : undefined, markLine: s.markLine };
      }),
    }));
    return c;
  }

  function bar(id, categories, series, opts) {
    var c = init(id);
    if (!c) return;
    opts = opts || {};
    var horizontal = !!opts.horizontal;
    var cat = { type: "category", data: categories };
    var val = { type: "value", max: opts.max };
    c.setOption(base({
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: series.map(function (s) { return { name: s.name, type: "bar", stack: s.stack, data: s.data }; }),
    }));
    return c;
  }

  function funnel(id, stages) {
    var c = init(id);
    if (!c) return;
    c.setOption({
      color: PALETTE,
      animation: false,
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "8%", label: { show: true, position: "inside", formatter: "{b} {c}" }, data: stages }],
    });
    return c;
  }

  global.DteCharts = { line: line, bar: bar, funnel: funnel };
})(window);
