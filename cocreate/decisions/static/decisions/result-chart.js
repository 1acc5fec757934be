// Draws the result chart from the page's json_script data (no inline script: CSP script-src 'self').
document.addEventListener("DOMContentLoaded", () => {
  const holder = document.getElementById("result-chart");
  const source = document.getElementById("result-chart-data");
  if (!holder || !source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.labels,
             axisLabel: { width: 120, overflow: "break", fontSize: 14 } },
    series: [{ type: "bar", data: data.values, itemStyle: { color: "#06753a" },
               label: { show: true, position: "right", fontSize: 14 } }],
    aria: { enabled: true },
  });
  holder.dataset.ready = "1";
  window.addEventListener("resize", () => chart.resize());
});
