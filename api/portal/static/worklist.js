// 比对工作清单: the discrepancies of the user's jurisdiction, soonest due first, with whom each
// is about; filters, overdue rows highlighted, bulk resolution, exports and starting a run.

import { api } from "./api.js";
import { mountRunCard, RUN_CARD } from "./crosscheck-runs.js";
import {
  badge,
  certificates,
  DISCREPANCIES,
  download,
  el,
  mother,
  place,
  purposeHeaders,
  showPage,
  today,
  typeName,
  who,
} from "./crosscheck-view.js";
import { DISCREPANCY_STATUSES, DISCREPANCY_TYPES, label, RESOLUTIONS } from "./labels.js";

const HTML = `
<section id="page-worklist" class="page" aria-labelledby="worklist-title" hidden>
  <h1 id="worklist-title" tabindex="-1">比对工作清单</h1>
  ${RUN_CARD}
  <form method="post" id="worklist-filter" class="card inline-form" novalidate>
    <div class="field">
      <label for="filter-type">问题类型</label>
      <select id="filter-type" name="type"><option value="">全部类型</option></select>
    </div>
    <div class="field">
      <label for="filter-status">状态</label>
      <select id="filter-status" name="status"><option value="">全部状态</option></select>
    </div>
    <div class="field">
      <label for="filter-region">区县或乡镇代码</label>
      <input id="filter-region" name="region" inputmode="numeric" maxlength="12" placeholder="如 420202">
    </div>
    <div class="field">
      <label for="filter-assignee">承办人</label>
      <select id="filter-assignee" name="assignee">
        <option value="">全部</option>
        <option value="me">指派给我的</option>
        <option value="none">未指派</option>
      </select>
    </div>
    <label class="check"><input type="checkbox" id="filter-overdue" name="overdue"> 仅看逾期</label>
    <button type="submit">筛选</button>
    <button type="button" id="export-xlsx" class="secondary">导出Excel</button>
    <button type="button" id="export-csv" class="secondary">导出CSV</button>
  </form>
  <p id="worklist-error" class="error" role="alert"></p>
  <div class="card">
    <div class="bulk-bar">
      <p id="worklist-summary" class="hint"></p>
      <button type="button" id="bulk-open" class="secondary" disabled>批量处理所选</button>
    </div>
    <div class="table-wrap">
      <table id="worklist">
        <caption class="visually-hidden">本辖区比对发现的问题，按办理期限排序；逾期的行以红色标出</caption>
        <thead>
          <tr>
            <th scope="col"><input type="checkbox" id="select-all" aria-label="全选本页未处理的问题"></th>
            <th scope="col">问题类型</th>
            <th scope="col">婴儿或当事人</th>
            <th scope="col">出生医学证明</th>
            <th scope="col">母亲</th>
            <th scope="col">地区</th>
            <th scope="col">状态</th>
            <th scope="col">承办人</th>
            <th scope="col">办理期限</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <button type="button" id="worklist-more" class="secondary" hidden>加载更多</button>
  </div>
  <dialog id="bulk-dialog" aria-labelledby="bulk-title">
    <form id="bulk-form" method="dialog" novalidate>
      <h2 id="bulk-title">批量处理比对问题</h2>
      <p id="bulk-subject" class="hint"></p>
      <div class="field">
        <label for="bulk-resolution">处理结果</label>
        <select id="bulk-resolution" name="resolution" required></select>
      </div>
      <div class="field">
        <label for="bulk-note">处理说明</label>
        <textarea id="bulk-note" name="note" rows="4" maxlength="2000" required></textarea>
      </div>
      <p id="bulk-error" class="error" role="alert"></p>
      <div class="actions">
        <button type="button" id="bulk-cancel" class="secondary">取消</button>
        <button type="submit" id="bulk-submit" value="submit">提交</button>
      </div>
    </form>
  </dialog>
</section>`;

const $ = (id) => document.getElementById(id);

let headers = {};
let current = null;
let nextCursor = null;
const selected = new Set();

function filters() {
  const params = new URLSearchParams();
  for (const name of ["type", "status"]) {
    const value = $(`filter-${name}`).value;
    if (value) params.set(name, value);
  }
  const region = $("filter-region").value.trim();
  if (region) params.set("region", region);
  const assignee = $("filter-assignee").value;
  if (assignee === "me") params.set("assignee", current.username);
  if (assignee === "none") params.set("unassigned", "true");
  if ($("filter-overdue").checked) params.set("overdue", "true");
  return params;
}

function cell(row, content, className) {
  const td = el("td", { className });
  if (content instanceof Node) td.appendChild(content);
  else td.textContent = content;
  row.appendChild(td);
  return td;
}

function updateSelection() {
  const count = selected.size;
  $("bulk-open").disabled = count === 0;
  $("bulk-open").textContent = count ? `批量处理所选（${count} 条）` : "批量处理所选";
}

function renderRow(item) {
  const row = el("tr", { "data-id": item.id, "data-status": item.status });
  const pick = el("input", {
    type: "checkbox",
    className: "pick",
    "aria-label": `选择：${typeName(item.type)}，${who(item)}`,
    disabled: item.status === "resolved",
  });
  pick.checked = selected.has(item.id);
  pick.addEventListener("change", () => {
    if (pick.checked) selected.add(item.id);
    else selected.delete(item.id);
    updateSelection();
  });
  cell(row, pick);
  cell(row, typeName(item.type)).title = item.explanation;
  cell(row, who(item));
  cell(row, certificates(item), "mono");
  cell(row, mother(item));
  cell(row, place(item));
  cell(row, badge(`status-${item.status}`, label(DISCREPANCY_STATUSES, item.status)));
  cell(row, item.assignee || "未指派");
  const due = cell(row, item.due_by);
  if (item.overdue) {
    row.classList.add("overdue");
    due.append(" ", badge("overdue-flag", "已逾期"));
  }
  const open = el("a", { href: `#/discrepancy/${encodeURIComponent(item.id)}`, className: "button-link" }, "查看");
  open.setAttribute("aria-label", `查看：${typeName(item.type)}，${who(item)}`);
  cell(row, open);
  return row;
}

async function load({ more = false } = {}) {
  const body = $("worklist").querySelector("tbody");
  $("worklist-error").textContent = "";
  const params = filters();
  params.set("limit", "50");
  if (more && nextCursor) params.set("cursor", nextCursor);
  try {
    const page = await api(`${DISCREPANCIES}?${params}`, { headers });
    if (!more) {
      body.replaceChildren();
      selected.clear();
      $("select-all").checked = false;
    }
    for (const item of page.items) body.appendChild(renderRow(item));
    nextCursor = page.next_cursor;
    $("worklist-more").hidden = !nextCursor;
    const shown = body.querySelectorAll("tr[data-id]").length;
    const overdue = body.querySelectorAll("tr.overdue").length;
    $("worklist-summary").textContent = shown
      ? `已显示 ${shown} 条${nextCursor ? "（还有更多）" : ""}，其中逾期 ${overdue} 条。今天是 ${today()}。`
      : "没有符合条件的比对问题。";
    updateSelection();
  } catch (failure) {
    $("worklist-error").textContent = `工作清单加载失败：${failure.message}`;
  }
}

function selectAll() {
  const on = $("select-all").checked;
  for (const box of $("worklist").querySelectorAll("input.pick:not(:disabled)")) {
    box.checked = on;
    const id = box.closest("tr").dataset.id;
    if (on) selected.add(id);
    else selected.delete(id);
  }
  updateSelection();
}

function openBulk() {
  $("bulk-form").reset();
  $("bulk-error").textContent = "";
  $("bulk-subject").textContent = `将对所选 ${selected.size} 条比对问题填写同一处理结果和说明。`;
  $("bulk-dialog").showModal();
  $("bulk-resolution").focus();
}

async function submitBulk(event) {
  event.preventDefault();
  const note = $("bulk-note").value.trim();
  if (!note) {
    $("bulk-error").textContent = "请填写处理说明。";
    $("bulk-note").focus();
    return;
  }
  $("bulk-submit").disabled = true;
  try {
    const answer = await api(`${DISCREPANCIES}/bulk-resolve`, {
      method: "POST",
      json: { ids: [...selected], resolution: $("bulk-resolution").value, note },
      headers,
    });
    const skipped = answer.items.length - answer.resolved;
    $("bulk-dialog").close();
    document.getElementById("notice").textContent =
      `已处理 ${answer.resolved} 条${skipped ? `，${skipped} 条已被他人处理或不在您的辖区` : ""}。`;
    await load();
  } catch (failure) {
    $("bulk-error").textContent = failure.message;
  } finally {
    $("bulk-submit").disabled = false;
  }
}

async function exportAs(format) {
  $("worklist-error").textContent = "";
  const params = filters();
  params.set("format", format);
  try {
    const response = await download(`${DISCREPANCIES}?${params}`, headers, `比对问题清单.${format}`);
    const rows = response.headers.get("X-Export-Rows");
    const truncated = response.headers.get("X-Export-Truncated") === "true";
    document.getElementById("notice").textContent =
      `已导出 ${rows ?? ""} 条${truncated ? "（已达导出上限，请缩小筛选范围）" : ""}。`;
  } catch (failure) {
    $("worklist-error").textContent = `导出失败：${failure.message}`;
  }
}

function bind() {
  for (const [code, name] of Object.entries(DISCREPANCY_TYPES)) $("filter-type").appendChild(new Option(name, code));
  for (const [code, name] of Object.entries(DISCREPANCY_STATUSES)) $("filter-status").appendChild(new Option(name, code));
  for (const [code, name] of Object.entries(RESOLUTIONS)) $("bulk-resolution").appendChild(new Option(name, code));
  $("worklist-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  $("worklist-more").addEventListener("click", () => load({ more: true }));
  $("export-xlsx").addEventListener("click", () => exportAs("xlsx"));
  $("export-csv").addEventListener("click", () => exportAs("csv"));
  $("select-all").addEventListener("change", selectAll);
  $("bulk-open").addEventListener("click", openBulk);
  $("bulk-form").addEventListener("submit", submitBulk);
  $("bulk-cancel").addEventListener("click", () => $("bulk-dialog").close());
}

export function showWorklist(user) {
  current = user;
  headers = purposeHeaders(user);
  const { fresh } = showPage(HTML, "page-worklist");
  if (fresh) bind();
  mountRunCard(user, () => load());
  load();
}
