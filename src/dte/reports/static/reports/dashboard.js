/* The statistics dashboard's charts (reports/dashboard.html), drawn from the tables in #dashboard-data;
   a static file so that the Content-Security-Policy can forbid inline script. */
(function () {
  var t = JSON.parse(document.getElementById("dashboard-data").textContent);
  function col(table, i, dropTotal) { var rows = dropTotal ? table.rows.slice(0, -1) : table.rows; return rows.map(function (r) { return r[i]; }); }
  function num(v) { return v === "" || v === null ? null : Number(v); }
  var goal = t.goal, proj = t.projection;
  var goalValue = Number(document.getElementById("chart-goal").dataset.goal);
  var years = col(goal, 0).concat(col(proj, 0).filter(function (y) { return col(goal, 0).indexOf(y) < 0; }));
  function at(table, i) { var m = {}; table.rows.forEach(function (r) { m[r[0]] = r[i]; }); return years.map(function (y) { return y in m ? m[y] : null; }); }
  DteCharts.line("chart-goal", years.map(String), [
    { name: "累计取得等级证书(人)", data: at(goal, 2) },
    { name: "按近一年进度预测", data: at(proj, 1), dashed: true },
    { name: "目标", data: years.map(function () { return goalValue; }), dashed: true }
  ]);
  DteCharts.funnel("chart-funnel", t.funnel.rows.map(function (r) { return { name: r[0], value: r[1] }; }));
  DteCharts.bar("chart-queue", col(t.queue, 0), [{ name: "件数", data: col(t.queue, 1) }, { name: "其中逾期", data: col(t.queue, 2) }]);
  function stages(table, id, horizontal) {
    var series = table.headers.slice(1).map(function (h, i) { return { name: h, data: col(table, i + 1, true) }; });
    DteCharts.bar(id, col(table, 0, true), series, { horizontal: horizontal });
  }
  if (document.getElementById("chart-county")) stages(t.funnel_county, "chart-county");
  stages(t.funnel_occupation, "chart-occupation", true);
  stages(t.funnel_level, "chart-level");
  DteCharts.bar("chart-service", col(t.service, 0), [
    { name: "审核按时率(%)", data: col(t.service, 3).map(num) },
    { name: "审批按时率(%)", data: col(t.service, 6).map(num) },
    { name: "拨付按时率(%)", data: col(t.service, 9).map(num) }
  ], { max: 100 });
  DteCharts.bar("chart-fund", col(t.fund, 0, true), [
    { name: "年度预算", data: col(t.fund, 1, true) },
    { name: "已承诺未拨付", data: col(t.fund, 2, true) },
    { name: "本年已拨付", data: col(t.fund, 3, true) },
    { name: "本年追回", data: col(t.fund, 4, true) }
  ]);
})();
