// The bureau's charts, drawn with the vendored ECharts from data the page carries in
// <script type="application/json"> blocks (the service's CSP allows no inline script).
(function () {
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    option.title = { text: el.getAttribute("data-title"), left: "center", textStyle: { fontSize: 14 } };
    option.animation = false;
    chart.setOption(option);
    el.setAttribute("data-drawn", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var grid = { left: 50, right: 20, top: 40, bottom: 40 };
  var year = data("desk-charts");
  if (year) {
    draw("chart-scores", { grid: grid, tooltip: {}, xAxis: { type: "category", data: year.score_bands },
      yAxis: { type: "value", minInterval: 1 }, series: [{ type: "bar", name: "部门数", data: year.score_counts }] });
    draw("chart-grades", { tooltip: {}, series: [{ type: "pie", radius: "60%",
      data: year.grades.map(function (g, i) { return { name: g, value: year.grade_counts[i] }; })
        .filter(function (d) { return d.value > 0; }) }] });
    draw("chart-scatter", { grid: grid, tooltip: { formatter: function (p) {
        return p.value[2] + "：执行率 " + p.value[0] + "%，得分 " + p.value[1]; } },
      xAxis: { type: "value", name: "执行率 %", scale: true }, yAxis: { type: "value", name: "得分", min: 0, max: 100 },
      series: [{ type: "scatter", data: year.scatter }] });
    draw("chart-indicators", { grid: { left: 130, right: 30, top: 40, bottom: 30 }, tooltip: {},
      xAxis: { type: "value", max: 100, name: "%" },
      yAxis: { type: "category", inverse: true, axisLabel: { fontSize: 10 },
        data: year.indicator_average.map(function (a) { return a[0] + " " + a[1]; }) },
      series: [{ type: "bar", name: "平均得分率", data: year.indicator_average.map(function (a) { return a[2]; }) }] });
  }
  var trend = data("trend-chart");
  if (trend) {
    draw("chart-trend", { grid: grid, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
      xAxis: { type: "category", data: trend.years },
      yAxis: [{ type: "value", name: "得分", min: 0, max: 100 }, { type: "value", name: "执行率 %", min: 0 }],
      series: [{ type: "line", name: "自评得分", data: trend.scores },
               { type: "line", name: "预算执行率", yAxisIndex: 1, data: trend.rates }] });
  }
})();
