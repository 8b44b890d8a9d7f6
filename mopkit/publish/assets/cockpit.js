/* mopkit published cockpit: filters and charts over the data inlined by mopkit.publish.
   Day numbers are days since 1970-01-01 (UTC). No network access: everything is in the page. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("mop-data").textContent);
  var M = D.meta, L = D.labels, LOC = M.lang === "zh" ? "zh-CN" : "en-US";
  var DAY = 86400000;
  var S = { lo: M.d0, hi: M.d1, ch: -1, pf: -1, freq: "D", page: "exec" };
  var charts = {};

  // ------------------------------------------------------------------ formatting
  function fmtL(key, args) {
    var s = L[key] || key;
    for (var k in (args || {})) s = s.split("{" + k + "}").join(args[k]);
    return s;
  }
  var moneyFmt = new Intl.NumberFormat(LOC, { style: "currency", currency: M.currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var moneyAxis = new Intl.NumberFormat(LOC, { style: "currency", currency: M.currency, notation: "compact", maximumFractionDigits: 1 });
  var intFmt = new Intl.NumberFormat(LOC, { maximumFractionDigits: 0 });
  var numFmt = new Intl.NumberFormat(LOC, { maximumFractionDigits: 2 });
  var CUR = (moneyFmt.formatToParts(0).find(function (p) { return p.type === "currency"; }) || { value: M.currency }).value;
  function fmt(v, unit) {
    if (v === null || v === undefined) return L.na;
    if (unit === "date" || unit === "text") return String(v);
    if (!isFinite(v)) return L.na;
    if (unit === "money") return moneyFmt.format(v);
    if (unit === "count") return intFmt.format(v);
    if (unit === "ratio") return (v * 100).toFixed(2) + "%";
    if (unit === "multiple") return v.toFixed(2) + "x";
    return numFmt.format(v);
  }
  function fmtAxis(v, unit) {
    if (unit === "money") return moneyAxis.format(v);
    if (unit === "ratio") return (v * 100).toFixed(1) + "%";
    if (unit === "multiple") return v.toFixed(1) + "x";
    return intFmt.format(v);
  }
  function unitName(unit) { return fmtL("unit." + unit, { currency: CUR }); }
  function axisName(metric) { return D.metric_names[metric] + " · " + unitName(D.units[metric]); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }
  function iso(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
  function dayOf(isoStr) { var t = Date.parse(isoStr + "T00:00:00Z"); return isNaN(t) ? null : Math.round(t / DAY); }
  function yearBack(day) { var d = new Date(day * DAY); d.setUTCFullYear(d.getUTCFullYear() - 1); return Math.round(d.getTime() / DAY); }
  function $(id) { return document.getElementById(id); }

  // ------------------------------------------------------------------ periods
  function pcode(day, freq) {
    if (freq === "D") return day;
    if (freq === "W") return Math.floor((day + 3) / 7);  // weeks from Monday (1970-01-05 is week 1)
    var d = new Date(day * DAY); return d.getUTCFullYear() * 12 + d.getUTCMonth();
  }
  function pstart(code, freq) {
    if (freq === "D") return code;
    if (freq === "W") return code * 7 - 3;
    return Math.round(Date.UTC(Math.floor(code / 12), code % 12, 1) / DAY);
  }
  function pend(code, freq) { return freq === "D" ? code : pstart(code + 1, freq) - 1; }
  function plabel(code, freq) { var s = iso(pstart(code, freq)); return freq === "M" ? s.slice(0, 7) : s; }

  // ------------------------------------------------------------------ sums and metrics
  var AD = D.daily, NROW = AD.d.length, ADD = ["gmv", "net_sales", "orders", "impressions", "clicks", "ad_spend"];
  function zero() { var s = {}; ADD.forEach(function (m) { s[m] = 0; }); return s; }
  function keep(i, ch, pf) { return (ch < 0 || AD.c[i] === ch) && (pf < 0 || AD.p[i] === pf); }
  /* sums per key(i) over rows with lo <= day <= hi; key(i) null = one bucket */
  function sums(lo, hi, ch, pf, key) {
    var out = {};
    for (var i = 0; i < NROW; i++) {
      var d = AD.d[i];
      if (d < lo || d > hi || !keep(i, ch, pf)) continue;
      var k = key ? key(i) : "_";
      var s = out[k] || (out[k] = zero());
      for (var j = 0; j < ADD.length; j++) s[ADD[j]] += AD[ADD[j]][i];
    }
    return out;
  }
  function adsOk(pf) { return M.has_ads && !(pf >= 0 && M.ads_unsplit); }
  function metric(m, s, pf) {
    if (!s) return null;
    var adm = { impressions: 1, clicks: 1, ad_spend: 1, ctr: 1, cpc: 1, cpm: 1, cvr: 1, cpa: 1, roas: 1, roi: 1 };
    if (adm[m] && !adsOk(pf)) return null;
    if ((m === "net_sales" || m === "refund_rate" || m === "roi") && !M.has_refund) return null;
    if (s[m] !== undefined) return s[m];
    var r = D.ratios[m];
    if (!r) return null;
    var ext = { refund: s.gmv - s.net_sales, profit: s.net_sales - s.ad_spend };
    var num = s[r[0]] !== undefined ? s[r[0]] : ext[r[0]], den = s[r[1]] !== undefined ? s[r[1]] : ext[r[1]];
    return den > 0 ? num / den * r[2] : null;
  }
  function buyerValue(m, freq, code, ch) {
    var chId = ch < 0 ? "all" : D.channels[ch][0], b = (D.buyers[freq] || {})[chId];
    if (!b) return null;
    if (!b._idx) { b._idx = {}; b.p.forEach(function (d, i) { b._idx[pcode(d, freq)] = i; }); }
    var i = b._idx[code];
    return i === undefined ? null : b[m][i];
  }
  function covered(lo, hi) { return lo >= M.d0 && hi <= M.d1 && lo <= hi; }
  function change(a, b) { return (a === null || b === null || !isFinite(a) || !isFinite(b) || b === 0) ? null : (a - b) / Math.abs(b); }

  /* the series for the current filters: one entry per period of the range */
  function series(freq) {
    var by = sums(S.lo, S.hi, S.ch, S.pf, function (i) { return pcode(AD.d[i], freq); });
    var out = [], c0 = pcode(S.lo, freq), c1 = pcode(S.hi, freq);
    for (var c = c0; c <= c1; c++) {
      var a = pstart(c, freq), b = pend(c, freq);
      out.push({ code: c, label: plabel(c, freq), s: by[c] || zero(), partial: a < S.lo || b > S.hi });
    }
    return out;
  }

  // ------------------------------------------------------------------ tables
  function renderTable(el, tab, opts) {
    opts = opts || {};
    if (!tab || !tab.rows || !tab.rows.length) { el.innerHTML = '<p class="note">' + esc(opts.empty || L.missing) + "</p>"; return; }
    var size = opts.pageSize || 12, page = 0, pages = Math.max(1, Math.ceil(tab.rows.length / size));
    function cell(v, col, r) {
      if (opts.cell) { var h = opts.cell(v, col, r); if (h !== undefined) return h; }
      var num = ["money", "count", "ratio", "multiple", "number"].indexOf(col.unit) >= 0;
      return "<td" + (num ? ' class="num"' : "") + (num && v !== null ? ' data-value="' + v + '"' : "") + ">" + esc(v === null ? (num ? L.na : "–") : fmt(v, col.unit)) + "</td>";
    }
    function draw() {
      var h = '<table class="t"><thead><tr>' + tab.columns.map(function (c) {
        var num = ["money", "count", "ratio", "multiple", "number"].indexOf(c.unit) >= 0;
        return "<th" + (num ? ' class="num"' : "") + ">" + esc(c.label) + "</th>";
      }).join("") + "</tr></thead><tbody>";
      tab.rows.slice(page * size, page * size + size).forEach(function (r, k) {
        var cls = opts.rowClass ? opts.rowClass(r, page * size + k) : "";
        h += "<tr" + (cls ? ' class="' + cls + '"' : "") + ">" + r.map(function (v, j) { return cell(v, tab.columns[j], r); }).join("") + "</tr>";
      });
      h += '</tbody></table><div class="tbar"><span>' + esc(fmtL("page_of", { page: page + 1, pages: pages, rows: intFmt.format(tab.rows.length) })) +
        '</span><span><button data-a="prev"' + (page ? "" : " disabled") + ">" + esc(L.prev) + '</button> <button data-a="next"' +
        (page < pages - 1 ? "" : " disabled") + ">" + esc(L.next) + '</button> <button data-a="csv">' + esc(L.download) + "</button></span></div>";
      el.innerHTML = h;
      el.querySelector('[data-a="prev"]').onclick = function () { page--; draw(); };
      el.querySelector('[data-a="next"]').onclick = function () { page++; draw(); };
      el.querySelector('[data-a="csv"]').onclick = function () { downloadCsv(tab, opts.file || "table"); };
    }
    draw();
  }
  function downloadCsv(tab, name) {
    var q = function (v) { v = v === null || v === undefined ? "" : String(v); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; };
    var lines = [tab.columns.map(function (c) { return q(c.label + (c.unit === "money" ? " (" + M.currency + ")" : "")); }).join(",")];
    tab.rows.forEach(function (r) { lines.push(r.map(q).join(",")); });
    var blob = new Blob(["\ufeff" + lines.join("\n")], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = (M.shop + "_" + name + "_" + iso(S.lo) + "_" + iso(S.hi)).replace(/[\\/:*?"<>|\s]+/g, "_") + ".csv";
    document.body.appendChild(a); a.click(); a.remove();
  }

  // ------------------------------------------------------------------ charts
  var PALETTE = ["#2f6fdf", "#f39c12", "#16a085", "#8e44ad", "#e74c3c", "#2c3e50", "#27ae60", "#d35400"];
  var HATCH = { symbol: "rect", symbolSize: 1, rotation: Math.PI / 4, dashArrayX: [1, 0], dashArrayY: [3, 4], color: "rgba(255,255,255,0.75)" };
  function chart(id) {
    var el = $(id);
    if (!charts[id]) charts[id] = echarts.init(el, null, { renderer: "svg" });
    return charts[id];
  }
  function dropChart(id, note) {
    if (charts[id]) { charts[id].dispose(); delete charts[id]; }
    var el = $(id); el.style.display = "none";
    var n = $(id + "-note"); if (n) { n.textContent = note; n.style.display = ""; }
  }
  function showChart(id) { $(id).style.display = ""; var n = $(id + "-note"); if (n) n.style.display = "none"; }
  function baseOpt(unit) {
    return {
      color: PALETTE, animation: false, grid: { left: 70, right: 24, top: 40, bottom: 40, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return fmt(v, unit); } },
      textStyle: { fontFamily: "inherit" }
    };
  }
  function xAxisCat(labels) { return { type: "category", data: labels, axisLabel: { hideOverlap: true }, name: L.period_col, nameLocation: "middle", nameGap: 28 }; }

  function lineWithPartial(name, values, partial, extra) {
    // the complete points as one line, the partial ones (and their neighbours) dashed
    var full = values.map(function (v, i) { return partial[i] ? null : v; });
    var part = values.map(function (v, i) { return (partial[i] || partial[i - 1] || partial[i + 1]) ? v : null; });
    return [Object.assign({ name: name, type: "line", data: full, connectNulls: false, showSymbol: values.length < 60 }, extra || {}),
            Object.assign({ name: name, type: "line", data: part, lineStyle: { type: "dashed", opacity: 0.6 }, itemStyle: { opacity: 0.6 },
                            showSymbol: true, tooltip: { show: false } }, extra || {})];
  }

  // ------------------------------------------------------------------ pages
  var CARDS = ["gmv", "net_sales", "orders", "aov", "ad_spend", "roas", "ctr", "cvr", "refund_rate", "cpa"];
  var LOWER_BETTER = { refund_rate: 1, cpa: 1, cpc: 1, cpm: 1, cac: 1 };
  function chg(c, m, label) {
    if (c === null) return '<span title="' + esc(L.no_compare) + '">' + esc(label) + " –</span>";
    var good = (c > 0) !== !!LOWER_BETTER[m];
    var cls = c === 0 ? "" : (good ? "up-good" : "down-bad");
    return '<span class="' + cls + '" data-change="' + c + '">' + esc(label) + " " + (c > 0 ? "▲" : c < 0 ? "▼" : "■") + " " + Math.abs(c * 100).toFixed(1) + "%</span>";
  }
  function drawExec() {
    var len = S.hi - S.lo + 1;
    var cur = sums(S.lo, S.hi, S.ch, S.pf)._ || zero();
    var pLo = S.lo - len, pHi = S.lo - 1, yLo = yearBack(S.lo), yHi = yearBack(S.hi);
    var prev = covered(pLo, pHi) ? (sums(pLo, pHi, S.ch, S.pf)._ || zero()) : null;
    var yoy = covered(yLo, yHi) ? (sums(yLo, yHi, S.ch, S.pf)._ || zero()) : null;
    $("cards").innerHTML = CARDS.map(function (m) {
      var v = metric(m, cur, S.pf), u = D.units[m];
      return '<div class="card" data-metric="' + m + '"><div class="k">' + esc(D.metric_names[m]) +
        '</div><div class="v"' + (v !== null ? ' data-value="' + v + '"' : "") + ">" + esc(fmt(v, u)) + '</div><div class="c">' +
        chg(prev ? change(v, metric(m, prev, S.pf)) : null, m, L.pop) + chg(yoy ? change(v, metric(m, yoy, S.pf)) : null, m, L.yoy) + "</div></div>";
    }).join("");
    // GMV trend
    var sr = series(S.freq), partial = sr.map(function (p) { return p.partial; });
    showChart("c-trend");
    var o = baseOpt("money");
    o.xAxis = xAxisCat(sr.map(function (p) { return p.label; }));
    o.yAxis = { type: "value", name: axisName("gmv"), axisLabel: { formatter: function (v) { return fmtAxis(v, "money"); } } };
    o.series = [{ name: D.metric_names.gmv, type: "bar", data: sr.map(function (p) {
      return p.partial ? { value: p.s.gmv, itemStyle: { color: "#a9c2ee", decal: HATCH } } : p.s.gmv; }) }];
    o.tooltip.formatter = function (ps) { var p = ps[0], x = sr[p.dataIndex]; return esc(x.label) + (x.partial ? "（" + esc(L.partial) + "）" : "") + "<br>" + esc(D.metric_names.gmv) + ": <b>" + fmt(x.s.gmv, "money") + "</b>"; };
    chart("c-trend").setOption(o, true);
    // waterfall vs the previous range of equal length
    if (!prev) { dropChart("c-water", L["waterfall.none"]); } else {
      showChart("c-water");
      var byA = sums(pLo, pHi, S.ch, S.pf, function (i) { return AD.c[i]; }), byB = sums(S.lo, S.hi, S.ch, S.pf, function (i) { return AD.c[i]; });
      var steps = D.channels.map(function (c, i) { return { name: c[1], d: ((byB[i] || zero()).gmv) - ((byA[i] || zero()).gmv) }; })
        .filter(function (x, i) { return (S.ch < 0 || S.ch === i) && (byA[i] || byB[i]); })
        .sort(function (a, b) { return Math.abs(b.d) - Math.abs(a.d); });
      var run = prev.gmv, base = [0], up = [prev.gmv], names = [L["waterfall.before"]], colors = ["#5b7bb5"];
      steps.forEach(function (x) { base.push(Math.min(run, run + x.d)); up.push(Math.abs(x.d)); names.push(x.name); colors.push(x.d >= 0 ? "#1a7f37" : "#c0392b"); run += x.d; });
      base.push(0); up.push(cur.gmv); names.push(L["waterfall.after"]); colors.push("#2f6fdf");
      var w = baseOpt("money");
      w.xAxis = { type: "category", data: names, axisLabel: { interval: 0, hideOverlap: true } };
      w.yAxis = { type: "value", name: axisName("gmv"), axisLabel: { formatter: function (v) { return fmtAxis(v, "money"); } } };
      w.tooltip = { trigger: "axis", formatter: function (ps) { var i = ps[0].dataIndex, v = (i === 0 || i === names.length - 1) ? up[i] : steps[i - 1].d;
        return esc(names[i]) + ": <b>" + (i && i < names.length - 1 && v > 0 ? "+" : "") + fmt(v, "money") + "</b>"; } };
      w.series = [{ type: "bar", stack: "w", data: base, itemStyle: { color: "transparent" }, emphasis: { disabled: true } },
                  { type: "bar", stack: "w", data: up.map(function (v, i) { return { value: v, itemStyle: { color: colors[i] } }; }),
                    label: { show: names.length < 12, position: "top", formatter: function (p) { var i = p.dataIndex; var v = (i === 0 || i === names.length - 1) ? up[i] : steps[i - 1].d; return fmtAxis(v, "money"); } } }];
      chart("c-water").setOption(w, true);
    }
  }

  function drawOps() {
    // channels / platforms in the range
    var byC = sums(S.lo, S.hi, -1, S.pf, function (i) { return AD.c[i]; }), tot = sums(S.lo, S.hi, -1, S.pf)._ || zero();
    var cols = [{ key: "name", label: L.channel, unit: "text" }].concat(["gmv", "orders", "aov", "ad_spend", "roas", "ctr", "cvr", "refund_rate"].map(function (m) {
      return { key: m, label: D.metric_names[m], unit: D.units[m] }; }));
    cols.splice(2, 0, { key: "share", label: L.share, unit: "ratio" });
    function rowsOf(by, names, sel) {
      return names.map(function (n, i) { return [i, by[i]]; }).filter(function (x) { return x[1] && (sel < 0 || sel === x[0]); }).map(function (x) {
        var s = x[1]; return [names[x[0]], s.gmv, tot.gmv > 0 ? s.gmv / tot.gmv : null].concat(["orders", "aov", "ad_spend", "roas", "ctr", "cvr", "refund_rate"].map(function (m) { return metric(m, s, S.pf); }));
      }).sort(function (a, b) { return b[1] - a[1]; });
    }
    var chRows = rowsOf(byC, D.channels.map(function (c) { return c[1]; }), S.ch);
    renderTable($("t-channels"), { columns: cols, rows: chRows }, { file: L.channels_tbl });
    if (D.channels.length < 2) dropChart("c-channels", L.single_channel); else {
      showChart("c-channels");
      var all = rowsOf(byC, D.channels.map(function (c) { return c[1]; }), -1);
      var o = baseOpt("money");
      o.legend = { top: 0 }; o.grid.top = 64;
      o.xAxis = { type: "category", data: all.map(function (r) { return r[0]; }), axisLabel: { interval: 0 } };
      o.grid.right = 60;
      o.yAxis = [{ type: "value", name: axisName("gmv"), axisLabel: { formatter: function (v) { return fmtAxis(v, "money"); } } }];
      if (adsOk(S.pf)) o.yAxis.push({ type: "value", name: axisName("roas"), nameTextStyle: { align: "right" }, axisLabel: { formatter: function (v) { return fmtAxis(v, "multiple"); } }, splitLine: { show: false } });
      o.tooltip = { trigger: "axis", formatter: function (ps) { return esc(ps[0].name) + ps.map(function (p) { return "<br>" + p.marker + esc(p.seriesName) + ": <b>" + fmt(p.value, p.seriesIndex ? "multiple" : "money") + "</b>"; }).join(""); } };
      o.series = [{ name: D.metric_names.gmv, type: "bar", data: all.map(function (r) { return r[1]; }) }];
      if (adsOk(S.pf)) o.series.push({ name: D.metric_names.roas, type: "line", yAxisIndex: 1, data: all.map(function (r) { return r[6]; }) });
      chart("c-channels").setOption(o, true);
    }
    var hasPf = D.platforms.length > 1;
    $("p-platforms").style.display = hasPf ? "" : "none";
    if (hasPf) {
      var byP = sums(S.lo, S.hi, S.ch, -1, function (i) { return AD.p[i]; });
      var pcols = cols.slice(); pcols[0] = { key: "name", label: L.platform, unit: "text" };
      tot = sums(S.lo, S.hi, S.ch, -1)._ || zero();
      renderTable($("t-platforms"), { columns: pcols, rows: rowsOf(byP, D.platforms.map(function (p) { return p[1]; }), S.pf) }, { file: L.platforms_tbl });
    }
    // ad efficiency trend
    var sr = series(S.freq), partial = sr.map(function (p) { return p.partial; });
    if (!adsOk(S.pf)) dropChart("c-ads", M.has_ads ? L.ads_unsplit : L.no_ads); else {
      showChart("c-ads");
      var a = baseOpt("ratio");
      a.grid.top = 64; a.legend = { top: 0, data: ["roas", "ctr", "cvr"].map(function (m) { return D.metric_names[m]; }) };
      a.xAxis = xAxisCat(sr.map(function (p) { return p.label; }));
      a.yAxis = [{ type: "value", name: axisName("roas"), axisLabel: { formatter: function (v) { return fmtAxis(v, "multiple"); } } },
                 { type: "value", name: unitName("ratio"), nameTextStyle: { align: "right" }, axisLabel: { formatter: function (v) { return fmtAxis(v, "ratio"); } }, splitLine: { show: false } }];
      a.tooltip = { trigger: "axis", formatter: function (ps) { var x = sr[ps[0].dataIndex]; return esc(x.label) + (x.partial ? "（" + esc(L.partial) + "）" : "") +
        ["roas", "ctr", "cvr"].map(function (m) { return "<br>" + esc(D.metric_names[m]) + ": <b>" + fmt(metric(m, x.s, S.pf), D.units[m]) + "</b>"; }).join(""); } };
      a.series = [];
      ["roas", "ctr", "cvr"].forEach(function (m, k) {
        a.series = a.series.concat(lineWithPartial(D.metric_names[m], sr.map(function (p) { return metric(m, p.s, S.pf); }), partial,
          { yAxisIndex: k ? 1 : 0, itemStyle: { color: PALETTE[k] }, lineStyle: { color: PALETTE[k] } }));
      });
      chart("c-ads").setOption(a, true);
    }
    // period table
    var pm = ["gmv", "net_sales", "orders", "buyers", "new_buyers", "aov", "ad_spend", "roas", "ctr", "cvr", "refund_rate"];
    var pcols2 = [{ key: "period", label: L.period_col, unit: "text" }].concat(pm.map(function (m) { return { key: m, label: D.metric_names[m], unit: D.units[m] }; }))
      .concat([{ key: "change", label: D.metric_names.gmv + " " + L.change_col, unit: "ratio" }]);
    var rows = sr.map(function (p, i) {
      var r = [p.label + (p.partial ? "（" + L.partial + "）" : "")];
      pm.forEach(function (m) { r.push(m === "buyers" || m === "new_buyers" ? (S.pf >= 0 || p.partial ? null : buyerValue(m, S.freq, p.code, S.ch)) : metric(m, p.s, S.pf)); });
      r.push(i && !p.partial && !sr[i - 1].partial ? change(p.s.gmv, sr[i - 1].s.gmv) : null);
      return r;
    }).reverse();
    var pr = sr.slice().reverse();
    renderTable($("t-periods"), { columns: pcols2, rows: rows }, { file: L.periods_tbl, rowClass: function (r, i) { return pr[i].partial ? "partial" : ""; } });
  }

  // ------------------------------------------------------------------ static panels (drawn once)
  function drawStatic() {
    var c = D.cohorts;
    if (!c || !c.rows.length) dropChart("c-cohorts", L.missing); else {
      var data = [];
      c.values.forEach(function (row, i) { row.forEach(function (v, j) { if (v !== null) data.push([j, i, +(v * 100).toFixed(1)]); }); });
      chart("c-cohorts").setOption({
        animation: false, tooltip: { formatter: function (p) { return esc(c.rows[p.value[1]]) + " · +" + c.cols[p.value[0]] + "<br><b>" + p.value[2].toFixed(1) + "%</b>"; } },
        grid: { left: 80, right: 80, top: 20, bottom: 50 },
        xAxis: { type: "category", data: c.cols.map(String), name: L.cohort_offset, nameLocation: "middle", nameGap: 30, splitArea: { show: true } },
        yAxis: { type: "category", data: c.rows, name: L.cohort_month, inverse: true, splitArea: { show: true } },
        visualMap: { min: 0, max: 40, calculable: true, orient: "vertical", right: 0, top: "center", formatter: function (v) { return v.toFixed(0) + "%"; },
                     inRange: { color: ["#f7fbff", "#6baed6", "#08306b"] } },
        series: [{ type: "heatmap", data: data, label: { show: c.cols.length <= 13 && c.rows.length <= 24, fontSize: 9, formatter: function (p) { return p.value[1] === 0 && p.value[0] === 0 ? "" : p.value[2].toFixed(0); } } }]
      }, true);
    }
    renderTable($("t-pairs"), D.pairs, { file: L.pairs });
    renderTable($("t-segments"), D.segments, { file: L.segments });
    renderTable($("t-tiers"), D.tiers, { file: L.tiers });
    if (!D.segments || D.segments.rows.length < 2) dropChart("c-segments", L.missing); else {
      var sg = D.segments;
      var o = baseOpt("count");
      o.tooltip = { trigger: "axis", valueFormatter: function (v) { return fmt(v, "count"); } };
      o.xAxis = { type: "value", name: D.segments.columns[1].label, nameLocation: "middle", nameGap: 28, axisLabel: { formatter: function (v) { return fmtAxis(v, "count"); } } };
      o.yAxis = { type: "category", data: sg.rows.map(function (r) { return r[0]; }).reverse() };
      o.series = [{ type: "bar", name: sg.columns[1].label, data: sg.rows.map(function (r) { return r[1]; }).reverse(), label: { show: true, position: "right" } }];
      chart("c-segments").setOption(o, true);
    }
    $("p-triggers").style.display = D.triggers ? "" : "none";
    if (D.triggers) renderTable($("t-triggers"), D.triggers, { file: L.triggers });
    // monitoring
    var al = D.alerts;
    renderTable($("t-alerts"), al && al.rows.length ? al : null, { file: L.alerts, empty: L.alerts_none, pageSize: 10,
      cell: function (v, col, r) { if (col.key === "sev") { var i = al.rows.indexOf(r); return '<td><span class="sev ' + al.severity[i] + '">' + esc(v) + "</span></td>"; } } });
    renderTable($("t-health"), D.health, { file: L.health });
    $("p-health-details").style.display = D.health_details ? "" : "none";
    if (D.health_details) renderTable($("t-health-details"), D.health_details, { file: L.health_details });
    renderTable($("t-fresh"), D.freshness, { file: L.freshness });
    var age = Math.floor((Date.now() / DAY) - M.d1);
    $("fresh-note").textContent = fmtL("fresh_days", { end: M.end, days: intFmt.format(Math.max(age, 0)) });
    var f = D.forecast;
    if (!f) dropChart("c-forecast", L.missing); else {
      $("forecast-note").textContent = f.overlap ? "" : L.forecast_future;
      var dates = f.actual.map(function (r) { return r[0]; }).concat(f.forecast.map(function (r) { return r[0]; }));
      var n = f.actual.length, pad = function (k) { return new Array(k).fill(null); };
      var lower = f.forecast.map(function (r) { return r[2]; }), width = f.forecast.map(function (r) { return r[3] !== null && r[2] !== null ? r[3] - r[2] : null; });
      var fo = baseOpt(f.unit);
      fo.grid.top = 64; fo.legend = { top: 0, data: [L.actual, L.forecast_point, L.forecast_band] };
      fo.xAxis = { type: "category", data: dates, axisLabel: { hideOverlap: true }, name: L.period_col, nameLocation: "middle", nameGap: 28 };
      fo.yAxis = { type: "value", name: axisName(f.target), axisLabel: { formatter: function (v) { return fmtAxis(v, f.unit); } } };
      fo.tooltip = { trigger: "axis", formatter: function (ps) { var i = ps[0].dataIndex; var h = esc(dates[i]);
        if (i < n) return h + "<br>" + esc(L.actual) + ": <b>" + fmt(f.actual[i][1], f.unit) + "</b>";
        var r = f.forecast[i - n]; return h + "<br>" + esc(L.forecast_point) + ": <b>" + fmt(r[1], f.unit) + "</b><br>" + esc(L.forecast_band) + ": " + fmt(r[2], f.unit) + " – " + fmt(r[3], f.unit); } };
      fo.series = [{ name: L.actual, type: "line", showSymbol: false, data: f.actual.map(function (r) { return r[1]; }), itemStyle: { color: "#2c3e50" } },
                   { name: L.forecast_point, type: "line", showSymbol: false, data: pad(n).concat(f.forecast.map(function (r) { return r[1]; })), lineStyle: { type: "dashed" }, itemStyle: { color: "#2f6fdf" } },
                   { name: L.forecast_band, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 }, data: pad(n).concat(lower), tooltip: { show: false } },
                   { name: L.forecast_band, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(47,111,223,0.18)" }, itemStyle: { color: "rgba(47,111,223,0.4)" }, data: pad(n).concat(width) }];
      chart("c-forecast").setOption(fo, true);
    }
  }

  // ------------------------------------------------------------------ filters
  function validate() {
    var b = $("banner"), lo = dayOf($("f-from").value), hi = dayOf($("f-to").value), msg = null, info = null;
    if (lo === null || hi === null) msg = L["err.outside"];
    else if (lo > hi) msg = L["err.order"];
    else if (hi < M.d0 || lo > M.d1) msg = fmtL("err.outside", { start: M.start, end: M.end });
    else {
      var clo = Math.max(lo, M.d0), chi = Math.min(hi, M.d1);
      if (clo !== lo || chi !== hi) info = fmtL("clipped", { start: iso(clo), end: iso(chi) });
      S.lo = clo; S.hi = chi;
      var s = sums(S.lo, S.hi, S.ch, S.pf)._;
      if (!s || (s.orders === 0 && s.ad_spend === 0)) msg = L["err.empty_sel"];
    }
    document.body.classList.toggle("invalid", !!msg);
    b.className = msg ? "banner err" : info ? "banner info" : "";
    b.textContent = msg || info || "";
    b.style.display = msg || info ? "" : "none";
    $("range-note").textContent = msg ? "" : fmtL("range", { start: iso(S.lo), end: iso(S.hi), days: intFmt.format(S.hi - S.lo + 1) });
    return !msg;
  }
  var staticDone = false, redraws = 0;
  function redraw() {
    if ((S.page === "mon" || S.page === "ops") && !staticDone) { staticDone = true; drawStatic(); }  // not filtered
    if (validate()) {
      if (S.page === "exec") drawExec();
      if (S.page === "ops") drawOps();
      Object.keys(charts).forEach(function (k) { if ($(k).offsetParent) charts[k].resize(); });
    }
    document.body.setAttribute("data-ready", String(++redraws));  // tests wait for this
  }
  function setRange(lo, hi, name) {
    document.querySelectorAll("[data-preset]").forEach(function (b) { b.classList.toggle("on", b.getAttribute("data-preset") === name); });
    $("f-from").value = iso(lo); $("f-to").value = iso(hi); redraw();
  }
  function preset(name) {
    var end = M.d1, d = new Date(end * DAY), y = d.getUTCFullYear(), mo = d.getUTCMonth();
    var first = function (yy, mm) { return Math.round(Date.UTC(yy, mm, 1) / DAY); };
    if (name === "7d") return setRange(Math.max(end - 6, M.d0), end, name);
    if (name === "30d") return setRange(Math.max(end - 29, M.d0), end, name);
    if (name === "mtd") return setRange(Math.max(first(y, mo), M.d0), end, name);
    if (name === "lm") return setRange(first(y, mo - 1), first(y, mo) - 1, name);
    if (name === "ytd") return setRange(Math.max(first(y, 0), M.d0), end, name);
    return setRange(M.d0, M.d1, name);
  }
  function init() {
    document.documentElement.lang = LOC;
    $("shop").textContent = M.shop; $("title").textContent = L.title;
    $("meta").textContent = fmtL("period", { start: M.start, end: M.end }) + " · " + fmtL("published", { date: M.published, currency: M.currency }) + " · " + L.offline;
    document.title = M.shop + " · " + L.title;
    var chs = $("f-channel"); chs.innerHTML = '<option value="-1">' + esc(L.all_channels) + "</option>" + D.channels.map(function (c, i) { return '<option value="' + i + '">' + esc(c[1]) + "</option>"; }).join("");
    var pfs = $("f-platform");
    if (D.platforms.length > 1) pfs.innerHTML = '<option value="-1">' + esc(L.all_platforms) + "</option>" + D.platforms.map(function (p, i) { return '<option value="' + i + '">' + esc(p[1]) + "</option>"; }).join("");
    else { pfs.innerHTML = '<option value="-1">' + esc(L.all_platforms) + "</option>"; pfs.disabled = true; pfs.title = L.no_platform; }
    $("f-from").min = $("f-to").min = M.start; $("f-from").max = $("f-to").max = M.end;
    $("f-from").value = M.start; $("f-to").value = M.end;
    $("f-from").onchange = $("f-to").onchange = function () {
      document.querySelectorAll("[data-preset]").forEach(function (b) { b.classList.remove("on"); }); redraw(); };
    chs.onchange = function () { S.ch = +chs.value; redraw(); };
    pfs.onchange = function () { S.pf = +pfs.value; redraw(); };
    document.querySelectorAll("[data-preset]").forEach(function (b) { b.onclick = function () { preset(b.getAttribute("data-preset")); }; });
    document.querySelectorAll("[data-freq]").forEach(function (b) { b.onclick = function () {
      S.freq = b.getAttribute("data-freq"); document.querySelectorAll("[data-freq]").forEach(function (x) { x.classList.toggle("on", x === b); }); redraw(); }; });
    document.querySelectorAll("nav button").forEach(function (b) { b.onclick = function () {
      S.page = b.getAttribute("data-page");
      document.querySelectorAll("nav button").forEach(function (x) { x.classList.toggle("on", x === b); });
      document.querySelectorAll(".page").forEach(function (p) { p.classList.toggle("on", p.id === "page-" + S.page); });
      redraw(); }; });
    var fl = $("findings");
    fl.innerHTML = D.findings.length ? D.findings.map(function (f) { return "<li>" + esc(f.text) + "</li>"; }).join("") : "<li>" + esc(L.findings_none) + "</li>";
    if (D.findings.some(function (f) { return f.lang !== M.lang; })) $("findings-note").textContent = L.findings_lang;
    $("preset-note").textContent = fmtL("preset.note", { end: M.end });
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    preset("30d");  // what merchants' back-offices open on: the last 30 days, by day
  }
  init();
})();
