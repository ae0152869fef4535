// What the clerk's and the reviewer's pages share: an application's facts, checks and
// history, field errors next to their inputs, and downloading the certificate PDF.

import { api, currentUser, ApiError, messageFor } from "./api.js";
import {
  APPLICATION_STATUSES,
  CHANNELS,
  CHECK_RESULTS,
  DEPARTMENTS,
  label,
  shownInstant,
} from "./labels.js";

export const APPLICATIONS = "/v1/birth-service-applications";

export function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

// A page written as a template (no user data in it), put into <main> when first shown, so
// that pages never opened add no inputs to the document; shown and focused like the rest.
export function showSection(html, created) {
  let node = document.getElementById(created);
  const fresh = !node;
  if (fresh) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    node = template.content.firstElementChild;
    document.getElementById("main").appendChild(node);
  }
  node.hidden = false;
  node.querySelector("h1").focus();
  return { node, fresh };
}

export function statusBadge(status) {
  return el("span", { className: `badge app-status-${status}` }, label(APPLICATION_STATUSES, status));
}

function cell(row, content) {
  const td = row.insertCell();
  if (content instanceof Node) td.appendChild(content);
  else td.textContent = content ?? "—";
  return td;
}

export function renderFacts(list, app) {
  const facts = [
    ["申请人", app.applicant.name],
    ["申请人公民身份号码", app.applicant.id_number],
    ["联系电话", app.applicant.phone],
    ["配偶", app.spouse ? app.spouse.name : "—"],
    ["配偶公民身份号码", app.spouse ? app.spouse.id_number : "—"],
    ["结婚证字号", app.marriage_certificate_no || "—"],
    ["本次登记子女孩次", `第${app.child_order}孩`],
    ["预产期", app.expected_due_date || "—"],
    ["户籍地", app.household_region_name || app.household_region],
    ["现居住地", app.residence_region_name || app.residence_region],
    ["办理渠道", label(CHANNELS, app.channel)],
    ["承诺制", app.commitment ? "申请人已书面承诺" : "未承诺（需提交证明材料）"],
    ["提交时间", shownInstant(app.created_at)],
    ["状态", statusBadge(app.status)],
  ];
  if (app.certificate_no) {
    facts.push(["证明编号", app.certificate_no], ["发证日期", app.issued_on || "—"]);
  }
  list.replaceChildren();
  for (const [name, value] of facts) {
    const dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = value ?? "—";
    list.append(el("dt", {}, name), dd);
  }
}

export function renderChecks(table, checks) {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const check of checks) {
    const row = body.insertRow();
    row.dataset.check = check.code || check.name;
    row.dataset.result = check.result;
    cell(row, check.name);
    cell(row, el("span", { className: `badge check-${check.result}` }, label(CHECK_RESULTS, check.result)));
    cell(row, check.detail);
  }
  if (!checks.length) cell(body.insertRow(), "暂无核验结果").colSpan = 3;
}

export function renderHistory(list, history) {
  list.replaceChildren();
  for (const entry of history) {
    const item = el("li");
    const from = entry.from ? label(APPLICATION_STATUSES, entry.from) : "—";
    item.append(
      el("span", { className: "when" }, shownInstant(entry.at)),
      el("span", {}, ` ${from} → ${label(APPLICATION_STATUSES, entry.to)}`),
      el("span", { className: "hint inline" }, `（${entry.by}，${label(DEPARTMENTS, entry.department)}）`),
    );
    if (entry.reasons && entry.reasons.length) {
      const reasons = el("ul", { className: "reasons" });
      for (const reason of entry.reasons) reasons.appendChild(el("li", {}, reason));
      item.appendChild(reasons);
    }
    list.appendChild(item);
  }
}

// The reasons of the latest request for correction (what the applicant must answer).
export function correctionReasons(app) {
  const last = [...app.status_history].reverse().find((e) => e.to === "needs_correction");
  return last ? last.reasons : [];
}

// One application in a list; `compact` leaves out child order and channel (narrow queue).
export function listRow(app, actions, { compact = false } = {}) {
  const row = el("tr");
  row.dataset.id = app.id;
  row.dataset.status = app.status;
  // A narrow queue shows the month and day only ("12-02 16:14"): this year's work.
  const when = shownInstant(app.created_at);
  cell(row, compact ? when.slice(5) : when).className = "nowrap";
  cell(row, app.applicant.name);
  if (!compact) {
    cell(row, `第${app.child_order}孩`);
    cell(row, label(CHANNELS, app.channel));
  }
  cell(row, statusBadge(app.status));
  const failing = app.checks.filter((c) => c.result !== "pass").length;
  cell(row, failing ? `${failing}项未通过` : "全部通过").className = failing ? "nowrap attention" : "nowrap";
  cell(row, actions);
  return row;
}

// Field errors of a 422 answer, each under its input (`data-field`); the rest in `general`.
export function showFieldErrors(form, problem, general) {
  clearFieldErrors(form);
  const unplaced = [];
  let first = null;
  for (const error of (problem && problem.errors) || []) {
    const input = form.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
    if (!input) {
      unplaced.push(`${error.field}：${error.message}`);
      continue;
    }
    const message = el("p", { className: "field-error", id: `${input.id}-error` }, error.message);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", message.id);
    input.closest(".field").appendChild(message);
    first = first || input;
  }
  general.textContent = unplaced.length
    ? `${problem.detail || "输入内容有误"} ${unplaced.join("；")}`
    : first
      ? "请按提示修改标红的项目。"
      : problem.detail || "输入内容有误。";
  (first || general).focus?.();
}

export function clearFieldErrors(form) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
}

export function failureText(failure) {
  if (failure instanceof ApiError && failure.problem && failure.status === 409) {
    const status = failure.problem.current_status;
    if (status) return `操作未完成：该申请当前状态为“${label(APPLICATION_STATUSES, status)}”。请刷新后查看。`;
  }
  return failure.message || messageFor(failure.status, failure.problem);
}

// The certificate PDF; with the code (known only right after issue) it is printed on it.
export async function downloadCertificate(app, code) {
  const headers = code ? { "X-Verification-Code": code } : {};
  const response = await api(`${APPLICATIONS}/${encodeURIComponent(app.id)}/certificate.pdf`, {
    headers,
    as: "blob",
  });
  const blob = await response.blob();
  const link = el("a", { href: URL.createObjectURL(blob), download: `生育服务登记证明-${app.certificate_no}.pdf` });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export function canReview() {
  const user = currentUser();
  return Boolean(user && user.scopes.includes("applications:review"));
}
