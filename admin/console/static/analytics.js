// Charts of the analytics page (/admin/analytics), drawn with the vendored
// Apache ECharts 5.6.0 (echarts.min.js, Apache-2.0). The page puts its data
// in data-chart of #analytics-charts; no inline script (CSP script-src 'self').
(function () {
  'use strict';
  function draw() {
    var root = document.getElementById('analytics-charts');
    if (!root || typeof echarts === 'undefined') { return; }
    var d;
    try { d = JSON.parse(root.getAttribute('data-chart') || '{}'); } catch (e) { return; }
    if (!d.labels) { return; }
    var charts = [];
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) { return; }
      el.style.height = '300px';
      el.style.marginBottom = '12px';
      var c = echarts.init(el, null, { renderer: 'canvas' });
      c.setOption(option);
      charts.push(c);
    }
    var base = {
      tooltip: { trigger: 'axis' },
      legend: { top: 24 },
      grid: { left: 56, right: 56, top: 64, bottom: 56 },
      xAxis: { type: 'category', data: d.labels },
      dataZoom: d.labels.length > 48 ? [{ type: 'slider', bottom: 8 }] : []
    };
    function with_(extra) { return Object.assign({}, base, extra); }
    var names = ['请求', '受理', '分流', '关闭拒绝', '系统错误'];
    chart('chart-volume', with_({
      title: { text: '业务量（次）', textStyle: { fontSize: 14 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: names.map(function (n, i) {
        return { name: n, type: i === 0 ? 'line' : 'bar', data: d.counts[i], stack: i === 0 ? undefined : 'outcome' };
      })
    }));
    chart('chart-latency', with_({
      title: { text: '响应时间估算（毫秒）', textStyle: { fontSize: 14 } },
      yAxis: { type: 'value', max: 2000 },
      series: ['P50', 'P95', 'P99'].map(function (n, i) {
        return { name: n, type: 'line', data: d.latency[i], connectNulls: false };
      })
    }));
    chart('chart-rates', with_({
      title: { text: '办结率与离柜率（%）', textStyle: { fontSize: 14 } },
      yAxis: { type: 'value', min: 0, max: 100 },
      series: [{ name: '办结率', type: 'line', data: d.rates[0] }, { name: '离柜率', type: 'line', data: d.rates[1] }]
    }));
    if (d.channels && d.channels.length) {
      chart('chart-channels', {
        title: { text: '各渠道请求与分流（次）', textStyle: { fontSize: 14 } },
        tooltip: { trigger: 'axis' },
        legend: { top: 24 },
        grid: { left: 56, right: 24, top: 64, bottom: 40 },
        xAxis: { type: 'category', data: d.channels },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          { name: '请求', type: 'bar', data: d.channel_counts.map(function (v) { return v[0]; }) },
          { name: '分流', type: 'bar', data: d.channel_counts.map(function (v) { return v[1]; }) }
        ]
      });
    }
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
