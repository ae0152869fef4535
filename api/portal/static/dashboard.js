// 统计看板: births by month, sex ratio at birth, registration completeness, discrepancy closure.

import { api } from "./api.js";
import { barChart, dataTable } from "./charts.js";
import { DISCREPANCY_TYPES, label } from "./labels.js";

const $ = (id) => document.getElementById(id);
const SHORT_TYPES = {
  BIRTH_NOT_REGISTERED: "出生未落户",
  REGISTRATION_WITHOUT_BIRTH_RECORD: "无出生证明",
  ATTRIBUTE_MISMATCH: "信息不一致",
  DUPLICATE_BIRTH_RECORD: "出生证明重复",
  DUPLICATE_PERSON: "人员重复",
  MARITAL_STATUS_MISMATCH: "婚姻状况不符",
};

let bound = false;
let purposeHeaders = {};

function beijingToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

function defaultPeriod() {
  const to = beijingToday();
  const [year, month] = to.split("-").map(Number);
  const start = new Date(Date.UTC(year, month - 12, 1)); // the first day, 11 months back
  return { from: start.toISOString().slice(0, 10), to };
}

function monthsBetween(from, to) {
  const months = [];
  let [year, month] = from.split("-").map(Number);
  const [endYear, endMonth] = to.split("-").map(Number);
  while (year < endYear || (year === endYear && month <= endMonth)) {
    months.push(`${year}-${String(month).padStart(2, "0")}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

const percent = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);
const whole = (v) => String(Math.round(v));

function fill(card, summary, chart, table) {
  const body = $(card).querySelector(".chart-body");
  const text = document.createElement("p");
  text.className = "figure";
  text.textContent = summary;
  body.replaceChildren(text, chart, table);
}

function empty(card, message) {
  const body = $(card).querySelector(".chart-body");
  const text = document.createElement("p");
  text.className = "hint";
  text.textContent = message;
  body.replaceChildren(text);
}

function drawBirths(data, period) {
  const byMonth = new Map();
  for (const item of data.items) byMonth.set(item.month, (byMonth.get(item.month) || 0) + item.births);
  const months = monthsBetween(period.from, period.to);
  const counts = months.map((m) => byMonth.get(m) || 0);
  const chart = barChart({
    title: "各月出生人数",
    description: `${period.from} 至 ${period.to} 各月活产出生人数，合计 ${data.total.births} 人。`,
    categories: months,
    series: [{ name: "出生人数", values: counts, className: "series-a" }],
    format: whole,
    integer: true,
  });
  const table = dataTable("各月出生人数", ["月份", "出生人数"], months.map((m, i) => [m, counts[i]]));
  fill("chart-births", `合计 ${data.total.births} 人`, chart, table);
}

function drawSexRatio(data) {
  if (!data.items.length) return empty("chart-sex-ratio", "所选期间没有出生记录。");
  const total = data.total;
  const chart = barChart({
    title: "出生人口性别比（女=100）",
    description: `各县区出生人口性别比，合计 ${total.sex_ratio ?? "—"}。`,
    categories: data.items.map((i) => i.region_name || i.region),
    series: [{ name: "性别比", values: data.items.map((i) => i.sex_ratio), className: "series-b" }],
    format: (v) => v.toFixed(1).replace(/\.0$/, ""),
    reference: { value: 107, label: "正常范围上限 107" },
  });
  const table = dataTable(
    "出生人口性别比",
    ["县区", "男", "女", "性别比"],
    [...data.items, total].map((i) => [i.region_name || i.region, i.males, i.females, i.sex_ratio]),
  );
  fill("chart-sex-ratio", `合计 ${total.sex_ratio ?? "—"}（男 ${total.males} 人，女 ${total.females} 人）`, chart, table);
}

function drawCompleteness(data) {
  if (!data.items.length) return empty("chart-completeness", "所选期间没有满30天的出生记录。");
  const total = data.total;
  const chart = barChart({
    title: "出生30日内户口登记率",
    description: `出生满30天的新生儿中，30日内办理出生户口登记的比例；合计 ${percent(total.completeness)}。`,
    categories: data.items.map((i) => i.region_name || i.region),
    series: [
      { name: "及时登记率", values: data.items.map((i) => (i.completeness ?? 0) * 100), className: "series-c" },
    ],
    format: (v) => `${Math.round(v)}%`,
    maxValue: 100,
  });
  const table = dataTable(
    "出生户口登记及时率",
    ["县区", "满30天出生数", "30日内登记数", "及时登记率"],
    [...data.items, total].map((i) => [i.region_name || i.region, i.births, i.registered_in_time, percent(i.completeness)]),
  );
  fill(
    "chart-completeness",
    `合计 ${percent(total.completeness)}（${total.registered_in_time} / ${total.births}，截至 ${data.as_of}）`,
    chart,
    table,
  );
}

function drawClosure(data) {
  const total = data.total;
  if (!total.opened) return empty("chart-closure", "所选期间没有发现比对问题。");
  const items = data.items.filter((i) => i.opened > 0);
  const chart = barChart({
    title: "比对问题发现与办结数",
    description: `所选期间发现 ${total.opened} 个问题，已办结 ${total.resolved} 个，逾期未办 ${total.overdue} 个。`,
    categories: items.map((i) => SHORT_TYPES[i.type] || i.type),
    series: [
      { name: "发现", values: items.map((i) => i.opened), className: "series-a" },
      { name: "已办结", values: items.map((i) => i.resolved), className: "series-c" },
      { name: "逾期未办", values: items.map((i) => i.overdue), className: "series-d" },
    ],
    format: whole,
    integer: true,
  });
  const table = dataTable(
    "比对问题办结情况",
    ["问题类型", "发现", "已办结", "办结率", "逾期未办"],
    [...items, total].map((i) => [
      label(DISCREPANCY_TYPES, i.type),
      i.opened,
      i.resolved,
      percent(i.closure_rate),
      i.overdue,
    ]),
  );
  fill("chart-closure", `办结率 ${percent(total.closure_rate)}，逾期未办 ${total.overdue} 个`, chart, table);
}

function drawOnlineShare(data) {
  const total = data.total;
  if (!total.applications) return empty("chart-online-share", "所选期间没有生育服务登记申请。");
  const chart = barChart({
    title: "生育服务登记网上办理率",
    description: `各县区生育服务登记申请中网上办理的比例；合计 ${percent(total.online_share)}（目标 90%）。`,
    categories: data.items.map((i) => i.region_name || i.region),
    series: [
      { name: "网上办理率", values: data.items.map((i) => (i.online_share ?? 0) * 100), className: "series-a" },
    ],
    format: (v) => `${Math.round(v)}%`,
    maxValue: 100,
    reference: { value: 90, label: "目标 90%" },
  });
  const table = dataTable(
    "生育服务登记网上办理率",
    ["县区", "申请数", "网上办理数", "网上办理率"],
    [...data.items, total].map((i) => [i.region_name || i.region, i.applications, i.online, percent(i.online_share)]),
  );
  fill("chart-online-share", `合计 ${percent(total.online_share)}（${total.online} / ${total.applications}）`, chart, table);
}

async function load() {
  $("dashboard-error").textContent = "";
  const period = { from: $("stats-from").value, to: $("stats-to").value };
  if (!period.from || !period.to || period.from > period.to) {
    $("dashboard-error").textContent = "请选择有效的起止日期（起始日期不能晚于截止日期）。";
    return;
  }
  const params = new URLSearchParams(period);
  const get = (name) => api(`/v1/stats/${name}?${params}`, { headers: purposeHeaders });
  const draws = [
    ["births-by-month", (d) => drawBirths(d, period), "chart-births"],
    ["sex-ratio", drawSexRatio, "chart-sex-ratio"],
    ["registration-completeness", drawCompleteness, "chart-completeness"],
    ["discrepancy-closure", drawClosure, "chart-closure"],
    ["online-share", drawOnlineShare, "chart-online-share"],
  ];
  for (const [, , card] of draws) empty(card, "加载中…");
  const results = await Promise.allSettled(draws.map(([name]) => get(name)));
  results.forEach((result, index) => {
    const [, draw, card] = draws[index];
    if (result.status === "fulfilled") draw(result.value);
    else empty(card, `加载失败：${result.reason.message}`);
  });
  $("page-dashboard").dataset.loaded = "true";
}

export function showDashboard(user) {
  purposeHeaders = user.purposes.includes("statistics") ? { "X-Purpose-Of-Use": "statistics" } : {};
  if (!bound) {
    bound = true;
    const period = defaultPeriod();
    $("stats-from").value = period.from;
    $("stats-to").value = period.to;
    $("dashboard-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
  }
  $("page-dashboard").dataset.loaded = "false";
  load();
}
