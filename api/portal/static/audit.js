// 审计日志: the auditor's landing page, a search of the hash-chained access log
// (GET /v1/audit-events, newest first).

import { api } from "./api.js";
import { el, failureText, showSection } from "./application-view.js";
import { ACTIONS, DEPARTMENTS, label, OUTCOMES, PURPOSES, shownInstant } from "./labels.js";

const HTML = `
<section id="page-audit" class="page" aria-labelledby="audit-title" hidden>
  <h1 id="audit-title" tabindex="-1">审计日志</h1>
  <p class="hint">谁在何时、出于何种用途读取或更改了哪些个人数据。日志只增不改，按哈希链防篡改；查询本身也会被记录。</p>
  <form method="post" id="audit-filter" class="card" novalidate>
    <div class="form-grid">
      <div class="field"><label for="audit-actor">操作人（用户名或系统编号）</label>
        <input id="audit-actor" maxlength="64" autocomplete="off"></div>
      <div class="field"><label for="audit-department">部门</label>
        <select id="audit-department"><option value="">全部部门</option></select></div>
      <div class="field"><label for="audit-purpose">用途</label>
        <select id="audit-purpose"><option value="">全部用途</option></select></div>
      <div class="field"><label for="audit-resource">数据类别</label>
        <select id="audit-resource"><option value="">全部类别</option></select></div>
      <div class="field"><label for="audit-outcome">结果</label>
        <select id="audit-outcome"><option value="">全部结果</option></select></div>
      <div class="field"><label for="audit-record">记录编号</label>
        <input id="audit-record" maxlength="64" autocomplete="off" class="mono"></div>
      <div class="field"><label for="audit-from">起始时间</label>
        <input id="audit-from" type="datetime-local"></div>
      <div class="field"><label for="audit-to">截止时间</label>
        <input id="audit-to" type="datetime-local"></div>
    </div>
    <div class="actions"><button type="submit">查询</button></div>
  </form>
  <p id="audit-error" class="error" role="alert"></p>
  <section class="card" aria-labelledby="audit-results-title">
    <h2 id="audit-results-title">查询结果</h2>
    <div class="table-wrap"><table id="audit-events">
      <thead><tr><th scope="col">时间</th><th scope="col">操作人</th><th scope="col">部门</th><th scope="col">用途</th>
        <th scope="col">事项编号</th><th scope="col">操作</th><th scope="col">数据类别</th><th scope="col">记录数</th>
        <th scope="col">结果</th></tr></thead>
      <tbody></tbody></table></div>
    <button type="button" id="audit-more" class="secondary" hidden>加载更多</button>
  </section>
</section>`;

const RESOURCES = {
  persons: "人员",
  births: "出生医学证明",
  "ultrasound-exams": "B超检查",
  "household-entries": "户籍登记",
  marriages: "婚姻登记",
  "birth-service-applications": "生育服务登记",
  certificates: "证明核验",
  discrepancies: "比对问题",
  "audit-events": "审计日志",
};
const ACTOR_TYPES = { client: "系统", user: "工作人员", system: "平台", operator: "运维", cli: "命令行", public: "公众" };

const $ = (id) => document.getElementById(id);
let page = null;
let nextCursor = null;

// datetime-local is Beijing time on this portal; the API wants RFC 3339 with an offset.
const instant = (value) => (value ? `${value.length === 16 ? `${value}:00` : value}+08:00` : "");

function params() {
  const query = new URLSearchParams({ limit: "50" });
  const set = (name, value) => value && query.set(name, value);
  set("actor", $("audit-actor").value.trim());
  set("department", $("audit-department").value);
  set("purpose", $("audit-purpose").value);
  set("resource", $("audit-resource").value);
  set("outcome", $("audit-outcome").value);
  set("record_id", $("audit-record").value.trim());
  set("from", instant($("audit-from").value));
  set("to", instant($("audit-to").value));
  return query;
}

function row(event) {
  const tr = el("tr");
  tr.dataset.outcome = event.outcome;
  const cells = [
    shownInstant(event.occurred_at),
    `${event.actor}（${label(ACTOR_TYPES, event.actor_type)}）`,
    label(DEPARTMENTS, event.department),
    label(PURPOSES, event.purpose),
    event.case_id || "—",
    label(ACTIONS, event.action),
    label(RESOURCES, event.resource),
    String(event.record_ids.length),
    label(OUTCOMES, event.outcome),
  ];
  for (const text of cells) tr.insertCell().textContent = text;
  if (event.outcome !== "success") tr.classList.add("denied");
  return tr;
}

async function load({ more = false } = {}) {
  const body = $("audit-events").tBodies[0];
  $("audit-error").textContent = "";
  const query = params();
  if (more && nextCursor) query.set("cursor", nextCursor);
  try {
    const data = await api(`/v1/audit-events?${query}`);
    if (!more) body.replaceChildren();
    for (const event of data.items) body.appendChild(row(event));
    if (!body.rows.length) {
      const td = body.insertRow().insertCell();
      td.colSpan = 9;
      td.textContent = "没有符合条件的记录";
    }
    nextCursor = data.next_cursor;
    $("audit-more").hidden = !nextCursor;
    page.dataset.loaded = "true";
  } catch (failure) {
    $("audit-error").textContent = failureText(failure);
  }
}

function fill(select, table) {
  for (const [code, name] of Object.entries(table)) select.appendChild(new Option(name, code));
}

export function showAudit() {
  const shown = showSection(HTML, "page-audit");
  page = shown.node;
  if (shown.fresh) {
    fill($("audit-department"), DEPARTMENTS);
    fill($("audit-purpose"), PURPOSES);
    fill($("audit-resource"), RESOURCES);
    fill($("audit-outcome"), OUTCOMES);
    $("audit-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    $("audit-more").addEventListener("click", () => load({ more: true }));
  }
  page.dataset.loaded = "false";
  load();
}
