// 比对问题销号月报 (#/closure-report): per region and month, what was carried over, opened,
// closed (by staff and by the run), left open and overdue; and the month's closures.

import { api } from "./api.js";
import {
  certificates,
  DISCREPANCIES,
  download,
  el,
  place,
  purposeHeaders,
  showPage,
  today,
  typeName,
  who,
} from "./crosscheck-view.js";
import { label, RESOLUTIONS, shownInstant } from "./labels.js";

const HTML = `
<section id="page-closure-report" class="page" aria-labelledby="closure-report-title" hidden>
  <h1 id="closure-report-title" tabindex="-1">比对问题销号月报</h1>
  <form method="post" id="report-filter" class="card inline-form" novalidate>
    <div class="field">
      <label for="report-month">月份</label>
      <input id="report-month" name="month" type="month" required>
    </div>
    <div class="field">
      <label for="report-region">地区代码（选填）</label>
      <input id="report-region" name="region" inputmode="numeric" maxlength="12" placeholder="默认本辖区">
    </div>
    <button type="submit">查询</button>
    <button type="button" id="report-xlsx" class="secondary">导出Excel</button>
    <button type="button" id="report-csv" class="secondary">导出CSV</button>
  </form>
  <p id="report-error" class="error" role="alert"></p>
  <section class="card" aria-labelledby="report-figures-title">
    <h2 id="report-figures-title">销号情况</h2>
    <p id="report-caption" class="hint"></p>
    <div class="table-wrap"><table id="report-table">
      <thead><tr>
        <th scope="col">地区</th><th scope="col">上月结转</th><th scope="col">本月新增</th>
        <th scope="col">重新打开</th><th scope="col">本月销号</th><th scope="col">其中人工销号</th>
        <th scope="col">其中自动销号</th><th scope="col">月末未销号</th><th scope="col">其中逾期</th>
        <th scope="col">销号用时中位数（天）</th>
      </tr></thead>
      <tbody></tbody><tfoot></tfoot></table></div>
  </section>
  <section class="card" aria-labelledby="report-closed-title">
    <h2 id="report-closed-title">本月销号明细</h2>
    <div class="table-wrap"><table id="report-closed">
      <thead><tr>
        <th scope="col">问题类型</th><th scope="col">婴儿或当事人</th><th scope="col">出生医学证明</th>
        <th scope="col">地区</th><th scope="col">处理结果</th><th scope="col">处理人</th>
        <th scope="col">销号时间</th><th scope="col">操作</th>
      </tr></thead>
      <tbody></tbody></table></div>
    <button type="button" id="report-more" class="secondary" hidden>加载更多</button>
  </section>
</section>`;

const $ = (id) => document.getElementById(id);
let headers = {};
let nextCursor = null;

function params(extra = {}) {
  const query = new URLSearchParams({ month: $("report-month").value, ...extra });
  const region = $("report-region").value.trim();
  if (region) query.set("region", region);
  return query;
}

function figuresRow(row, name, header = false) {
  const tr = el("tr");
  tr.appendChild(el(header ? "th" : "td", header ? { scope: "row" } : {}, name));
  for (const value of [
    row.carried_over,
    row.opened,
    row.reopened,
    row.closed,
    row.closed_by_staff,
    row.closed_by_run,
    row.outstanding,
    row.overdue,
    row.median_days_to_close ?? "—",
  ]) {
    tr.appendChild(el("td", { className: "number" }, String(value)));
  }
  return tr;
}

function closedRow(item) {
  const tr = el("tr", { "data-id": item.id });
  for (const text of [
    typeName(item.type),
    who(item),
    certificates(item),
    place(item),
    label(RESOLUTIONS, item.resolution),
    (item.resolved_by || "").startsWith("crosscheck:") ? "比对程序自动销号" : item.resolved_by,
    shownInstant(item.resolved_at),
  ]) {
    tr.appendChild(el("td", {}, text));
  }
  const cell = el("td");
  cell.appendChild(el("a", { href: `#/discrepancy/${encodeURIComponent(item.id)}` }, "查看"));
  tr.appendChild(cell);
  return tr;
}

async function loadClosed({ more = false } = {}) {
  const query = new URLSearchParams({ status: "resolved", resolved_month: $("report-month").value, limit: "100" });
  const region = $("report-region").value.trim();
  if (region) query.set("region", region);
  if (more && nextCursor) query.set("cursor", nextCursor);
  const page = await api(`${DISCREPANCIES}?${query}`, { headers });
  const body = $("report-closed").querySelector("tbody");
  if (!more) body.replaceChildren();
  for (const item of page.items) body.appendChild(closedRow(item));
  nextCursor = page.next_cursor;
  $("report-more").hidden = !nextCursor;
}

async function load() {
  $("report-error").textContent = "";
  try {
    const report = await api(`${DISCREPANCIES}/report?${params()}`, { headers });
    $("report-caption").textContent =
      `${report.region_name || report.region} ${report.month} 月报，生成于 ${shownInstant(report.generated_at)}。`;
    $("report-table").querySelector("tbody").replaceChildren(
      ...report.rows.map((row) => figuresRow(row, row.region_name || row.region)),
    );
    $("report-table").querySelector("tfoot").replaceChildren(figuresRow(report.total, "合计", true));
    await loadClosed();
  } catch (failure) {
    $("report-error").textContent = `月报加载失败：${failure.message}`;
  }
}

async function exportAs(format) {
  try {
    await download(`${DISCREPANCIES}/report?${params({ format })}`, headers, `比对问题销号月报.${format}`);
  } catch (failure) {
    $("report-error").textContent = `导出失败：${failure.message}`;
  }
}

export function showClosureReport(user) {
  headers = purposeHeaders(user);
  const { fresh } = showPage(HTML, "page-closure-report");
  if (fresh) {
    $("report-month").value = today().slice(0, 7);
    $("report-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    $("report-xlsx").addEventListener("click", () => exportAs("xlsx"));
    $("report-csv").addEventListener("click", () => exportAs("csv"));
    $("report-more").addEventListener("click", () => loadClosed({ more: true }));
  }
  load();
}
