// 比对工作清单: the discrepancies of the user's jurisdiction, soonest due first; resolve; export.

import { api } from "./api.js";
import {
  DISCREPANCY_STATUSES,
  DISCREPANCY_TYPES,
  FIELDS,
  label,
  RESOLUTIONS,
  shownInstant,
} from "./labels.js";

const $ = (id) => document.getElementById(id);

let bound = false;
let purposeHeaders = {};
let nextCursor = null;
let resolving = null;

function today() {
  // Due dates are days in Beijing time; the portal is used in China.
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

function filters() {
  const params = new URLSearchParams();
  const type = $("filter-type").value;
  const status = $("filter-status").value;
  if (type) params.set("type", type);
  if (status) params.set("status", status);
  return params;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function renderRow(item) {
  const row = document.createElement("tr");
  row.dataset.id = item.id;
  row.dataset.status = item.status;
  const type = cell(row, label(DISCREPANCY_TYPES, item.type));
  type.title = item.type;
  cell(row, item.region, "mono");
  const status = cell(row, "");
  const badge = document.createElement("span");
  badge.className = `badge status-${item.status}`;
  badge.textContent = label(DISCREPANCY_STATUSES, item.status);
  status.appendChild(badge);
  cell(row, shownInstant(item.detected_at));
  const due = cell(row, item.due_by);
  if (item.overdue) {
    row.classList.add("overdue");
    const flag = document.createElement("span");
    flag.className = "badge overdue-flag";
    flag.textContent = "已逾期";
    due.append(" ", flag);
  }
  const fields = (item.fields || []).map((f) => label(FIELDS, f));
  cell(row, fields.length ? fields.join("、") : "—");
  cell(row, item.resolution ? label(RESOLUTIONS, item.resolution) : "—");
  const actions = cell(row, "");
  if (item.status !== "resolved") {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = "处理";
    button.setAttribute("aria-label", `处理：${label(DISCREPANCY_TYPES, item.type)}（${item.region}，期限 ${item.due_by}）`);
    button.addEventListener("click", () => openResolve(item));
    actions.appendChild(button);
  }
  return row;
}

async function load({ more = false } = {}) {
  const body = $("worklist").querySelector("tbody");
  $("worklist-error").textContent = "";
  const params = filters();
  params.set("limit", "50");
  if (more && nextCursor) params.set("cursor", nextCursor);
  try {
    const page = await api(`/v1/discrepancies?${params}`, { headers: purposeHeaders });
    if (!more) body.replaceChildren();
    for (const item of page.items) body.appendChild(renderRow(item));
    nextCursor = page.next_cursor;
    $("worklist-more").hidden = !nextCursor;
    const shown = body.querySelectorAll("tr[data-id]").length;
    const overdue = body.querySelectorAll("tr.overdue").length;
    $("worklist-summary").textContent = shown
      ? `已显示 ${shown} 条${nextCursor ? "（还有更多）" : ""}，其中逾期 ${overdue} 条。今天是 ${today()}。`
      : "没有符合条件的比对问题。";
  } catch (failure) {
    $("worklist-error").textContent = `工作清单加载失败：${failure.message}`;
  }
}

function openResolve(item) {
  resolving = item;
  $("resolve-form").reset();
  $("resolve-error").textContent = "";
  $("resolve-subject").textContent =
    `${label(DISCREPANCY_TYPES, item.type)} · 地区 ${item.region} · 办理期限 ${item.due_by}`;
  $("resolve-dialog").showModal();
  $("resolve-resolution").focus();
}

function closeResolve() {
  $("resolve-dialog").close();
  resolving = null;
}

async function submitResolve(event) {
  event.preventDefault();
  if (!resolving) return;
  const note = $("resolve-note").value.trim();
  if (!note) {
    $("resolve-error").textContent = "请填写处理说明。";
    $("resolve-note").focus();
    return;
  }
  $("resolve-submit").disabled = true;
  try {
    await api(`/v1/discrepancies/${encodeURIComponent(resolving.id)}/resolve`, {
      method: "POST",
      json: { resolution: $("resolve-resolution").value, note },
      headers: purposeHeaders,
    });
    const resolution = label(RESOLUTIONS, $("resolve-resolution").value);
    closeResolve();
    document.getElementById("notice").textContent = `已处理：${resolution}。`;
    await load();
  } catch (failure) {
    $("resolve-error").textContent = failure.message;
  } finally {
    $("resolve-submit").disabled = false;
  }
}

function attachmentName(response) {
  const header = response.headers.get("Content-Disposition") || "";
  const encoded = header.match(/filename\*=UTF-8''([^;]+)/i);
  if (encoded) return decodeURIComponent(encoded[1]);
  return "比对问题清单.xlsx";
}

async function exportXlsx() {
  $("worklist-error").textContent = "";
  const params = filters();
  params.set("format", "xlsx");
  try {
    const response = await api(`/v1/discrepancies?${params}`, {
      headers: purposeHeaders,
      as: "blob",
    });
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = attachmentName(response);
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    const rows = response.headers.get("X-Export-Rows");
    const truncated = response.headers.get("X-Export-Truncated") === "true";
    document.getElementById("notice").textContent =
      `已导出 ${rows ?? ""} 条${truncated ? "（已达导出上限，请缩小筛选范围）" : ""}。`;
  } catch (failure) {
    $("worklist-error").textContent = `导出失败：${failure.message}`;
  }
}

function fillTypes() {
  const select = $("filter-type");
  if (select.options.length > 1) return;
  for (const [code, name] of Object.entries(DISCREPANCY_TYPES)) {
    select.appendChild(new Option(name, code));
  }
}

export function showWorklist(user) {
  purposeHeaders = user.purposes.includes("crosscheck") ? { "X-Purpose-Of-Use": "crosscheck" } : {};
  fillTypes();
  if (!bound) {
    bound = true;
    $("worklist-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    $("worklist-more").addEventListener("click", () => load({ more: true }));
    $("export-xlsx").addEventListener("click", exportXlsx);
    $("resolve-form").addEventListener("submit", submitResolve);
    $("resolve-cancel").addEventListener("click", closeResolve);
    $("resolve-dialog").addEventListener("close", () => {
      resolving = null;
    });
  }
  load();
}
