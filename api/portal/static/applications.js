// 生育服务登记: a clerk fills in an application, sees the checks against shared data at
// once, tracks her applications, answers a request for correction and resubmits.

import { api } from "./api.js";
import {
  APPLICATIONS,
  clearFieldErrors,
  correctionReasons,
  downloadCertificate,
  el,
  failureText,
  listRow,
  renderChecks,
  renderFacts,
  renderHistory,
  showFieldErrors,
  showSection,
} from "./application-view.js";
import { APPLICATION_STATUSES } from "./labels.js";

const HTML = `
<section id="page-applications" class="page" aria-labelledby="applications-title" hidden>
  <h1 id="applications-title" tabindex="-1">生育服务登记</h1>
  <p class="hint">依托部门共享数据核验身份、婚姻和户籍信息，群众无需提交相关证明材料（承诺制）。登记不以子女数量为前提。</p>

  <form method="post" id="application-form" class="card" novalidate aria-labelledby="application-form-title">
    <h2 id="application-form-title">新建申请</h2>
    <p id="correction-note" class="notice-warn" hidden></p>
    <fieldset>
      <legend>申请人</legend>
      <div class="form-grid">
        <div class="field"><label for="app-applicant-name">姓名</label>
          <input id="app-applicant-name" data-field="applicant.name" maxlength="64" autocomplete="off"></div>
        <div class="field"><label for="app-applicant-id">公民身份号码</label>
          <input id="app-applicant-id" data-field="applicant.id_number" maxlength="18" autocomplete="off" spellcheck="false" class="mono"></div>
        <div class="field"><label for="app-applicant-phone">联系电话</label>
          <input id="app-applicant-phone" data-field="applicant.phone" maxlength="13" inputmode="tel" autocomplete="off"></div>
      </div>
    </fieldset>
    <fieldset>
      <legend>配偶</legend>
      <div class="form-grid">
        <div class="field"><label for="app-spouse-name">姓名</label>
          <input id="app-spouse-name" data-field="spouse.name" maxlength="64" autocomplete="off"></div>
        <div class="field"><label for="app-spouse-id">公民身份号码</label>
          <input id="app-spouse-id" data-field="spouse.id_number" maxlength="18" autocomplete="off" spellcheck="false" class="mono"></div>
        <div class="field"><label for="app-marriage-no">结婚证字号（选填）</label>
          <input id="app-marriage-no" data-field="marriage_certificate_no" maxlength="32" autocomplete="off"></div>
      </div>
    </fieldset>
    <fieldset>
      <legend>登记信息</legend>
      <div class="form-grid">
        <div class="field"><label for="app-child-order">本次登记子女孩次</label>
          <input id="app-child-order" data-field="child_order" type="number" min="1" max="20" value="1"></div>
        <div class="field"><label for="app-due-date">预产期（选填）</label>
          <input id="app-due-date" data-field="expected_due_date" type="date"></div>
        <div class="field"><label for="app-channel">办理渠道</label>
          <select id="app-channel" data-field="channel">
            <option value="online">网上办理</option><option value="counter">窗口办理</option>
          </select></div>
        <div class="field"><label for="app-household-region">户籍地行政区划代码</label>
          <input id="app-household-region" data-field="household_region" maxlength="12" inputmode="numeric" class="mono"></div>
        <div class="field"><label for="app-residence-region">现居住地行政区划代码</label>
          <input id="app-residence-region" data-field="residence_region" maxlength="12" inputmode="numeric" class="mono"></div>
      </div>
      <div class="field checkbox">
        <label><input id="app-commitment" data-field="commitment" type="checkbox" checked>
          申请人承诺所填信息真实，同意以部门共享数据代替证明材料（承诺制）</label>
      </div>
    </fieldset>
    <p id="application-error" class="error" role="alert" tabindex="-1"></p>
    <div class="actions">
      <button type="button" id="application-cancel" class="secondary" hidden>取消修改</button>
      <button type="submit" id="application-submit">提交申请</button>
    </div>
  </form>

  <section id="application-detail" class="card" aria-labelledby="application-detail-title" hidden>
    <h2 id="application-detail-title" tabindex="-1">申请详情</h2>
    <p id="application-detail-note" class="hint"></p>
    <dl id="application-facts" class="fields"></dl>
    <h3>共享数据核验结果</h3>
    <div class="table-wrap"><table id="application-checks">
      <thead><tr><th scope="col">核验项目</th><th scope="col">结果</th><th scope="col">说明</th></tr></thead>
      <tbody></tbody></table></div>
    <h3>办理记录</h3>
    <ol id="application-history" class="history"></ol>
    <p id="application-detail-error" class="error" role="alert"></p>
    <div class="actions" id="application-detail-actions"></div>
  </section>

  <section class="card" aria-labelledby="my-applications-title">
    <h2 id="my-applications-title">申请跟踪</h2>
    <form method="post" id="my-applications-filter" class="inline-form" novalidate>
      <div class="field"><label for="my-status">申请状态</label>
        <select id="my-status"><option value="">全部状态</option></select></div>
      <div class="field checkbox"><label><input id="my-only" type="checkbox" checked> 只看本人提交的</label></div>
      <button type="submit" class="secondary">筛选</button>
    </form>
    <p id="my-applications-error" class="error" role="alert"></p>
    <div class="table-wrap"><table id="my-applications">
      <thead><tr><th scope="col">提交时间</th><th scope="col">申请人</th><th scope="col">孩次</th><th scope="col">渠道</th>
        <th scope="col">状态</th><th scope="col">核验</th><th scope="col">操作</th></tr></thead>
      <tbody></tbody></table></div>
    <button type="button" id="my-applications-more" class="secondary" hidden>加载更多</button>
  </section>
</section>`;

const $ = (id) => document.getElementById(id);
let page = null;
let form = null;
let editing = null; // the application being corrected
let nextCursor = null;
let lastUser = null;

const INPUTS = {
  "applicant.name": "app-applicant-name",
  "applicant.id_number": "app-applicant-id",
  "applicant.phone": "app-applicant-phone",
  "spouse.name": "app-spouse-name",
  "spouse.id_number": "app-spouse-id",
  marriage_certificate_no: "app-marriage-no",
  child_order: "app-child-order",
  expected_due_date: "app-due-date",
  channel: "app-channel",
  household_region: "app-household-region",
  residence_region: "app-residence-region",
};

function value(field) {
  return $(INPUTS[field]).value.trim();
}

// The body the API receives: empty optional fields are left out, the rest sent as typed.
function formBody() {
  const body = {
    applicant: { name: value("applicant.name"), id_number: value("applicant.id_number").toUpperCase(), phone: value("applicant.phone") },
    household_region: value("household_region"),
    residence_region: value("residence_region"),
    channel: value("channel"),
    commitment: $("app-commitment").checked,
  };
  const order = value("child_order");
  body.child_order = /^\d+$/.test(order) ? Number(order) : order || undefined;
  if (value("spouse.name") || value("spouse.id_number")) {
    body.spouse = { name: value("spouse.name"), id_number: value("spouse.id_number").toUpperCase() };
  }
  if (value("marriage_certificate_no")) body.marriage_certificate_no = value("marriage_certificate_no");
  if (value("expected_due_date")) body.expected_due_date = value("expected_due_date");
  return body;
}

// A merge patch of what the clerk changed; masked ID numbers left as shown are not sent.
function patchFrom(app, body) {
  const patch = {};
  const applicant = {};
  for (const key of ["name", "phone", "id_number"]) {
    const now = body.applicant[key];
    if (key === "id_number" && now.includes("*")) continue;
    if (now !== app.applicant[key]) applicant[key] = now;
  }
  if (Object.keys(applicant).length) patch.applicant = applicant;
  if (body.spouse) {
    const spouse = {};
    for (const key of ["name", "id_number"]) {
      const now = body.spouse[key];
      if (key === "id_number" && now.includes("*")) continue;
      if (!app.spouse || now !== app.spouse[key]) spouse[key] = now;
    }
    if (Object.keys(spouse).length) patch.spouse = spouse;
  } else if (app.spouse) patch.spouse = null;
  for (const key of ["marriage_certificate_no", "expected_due_date", "child_order", "household_region", "residence_region", "channel", "commitment"]) {
    const now = body[key] === undefined ? null : body[key];
    if (now !== (app[key] ?? null)) patch[key] = now;
  }
  return patch;
}

function fillForm(app) {
  $(INPUTS["applicant.name"]).value = app.applicant.name;
  $(INPUTS["applicant.id_number"]).value = app.applicant.id_number;
  $(INPUTS["applicant.phone"]).value = app.applicant.phone;
  $(INPUTS["spouse.name"]).value = app.spouse ? app.spouse.name : "";
  $(INPUTS["spouse.id_number"]).value = app.spouse ? app.spouse.id_number : "";
  $(INPUTS.marriage_certificate_no).value = app.marriage_certificate_no || "";
  $(INPUTS.child_order).value = app.child_order;
  $(INPUTS.expected_due_date).value = app.expected_due_date || "";
  $(INPUTS.channel).value = app.channel;
  $(INPUTS.household_region).value = app.household_region;
  $(INPUTS.residence_region).value = app.residence_region;
  $("app-commitment").checked = app.commitment;
}

function resetForm(user) {
  editing = null;
  form.reset();
  clearFieldErrors(form);
  $("application-error").textContent = "";
  $("application-form-title").textContent = "新建申请";
  $("application-submit").textContent = "提交申请";
  $("application-cancel").hidden = true;
  $("correction-note").hidden = true;
  // A county-level clerk's own county is the usual household and residence region.
  const county = user && /^\d{4}(?!00)\d{2}$/.test(user.region) ? user.region : "";
  $(INPUTS.household_region).value = county;
  $(INPUTS.residence_region).value = county;
}

function startCorrection(app) {
  resetForm(null);
  editing = app;
  fillForm(app);
  $("application-form-title").textContent = "补正后重新提交";
  $("application-submit").textContent = "重新提交";
  $("application-cancel").hidden = false;
  const note = $("correction-note");
  note.hidden = false;
  note.textContent = `审核意见：${correctionReasons(app).join("；")}。证件号已部分隐藏，如需更正请重新输入完整号码。`;
  $("app-applicant-name").focus();
}

function showDetail(app, note = "") {
  const detail = $("application-detail");
  detail.hidden = false;
  detail.dataset.id = app.id;
  detail.dataset.status = app.status;
  $("application-detail-note").textContent = note;
  $("application-detail-error").textContent = "";
  renderFacts($("application-facts"), app);
  renderChecks($("application-checks"), app.checks);
  renderHistory($("application-history"), app.status_history);
  const actions = $("application-detail-actions");
  actions.replaceChildren();
  const button = (text, handler, secondary = true) => {
    const node = el("button", { type: "button", className: secondary ? "secondary" : "" }, text);
    node.addEventListener("click", handler);
    actions.appendChild(node);
  };
  if (app.status === "needs_correction") button("补正并重新提交", () => startCorrection(app), false);
  if (app.status === "issued") button("下载证明PDF", () => download(app));
  if (["submitted", "needs_correction", "issued"].includes(app.status)) button("撤回申请", () => withdraw(app));
  $("application-detail-title").focus();
}

async function download(app) {
  try {
    await downloadCertificate(app);
  } catch (failure) {
    $("application-detail-error").textContent = failureText(failure);
  }
}

async function withdraw(app) {
  const reason = window.prompt("请填写撤回原因（选填）：", "申请人申请撤回");
  if (reason === null) return;
  try {
    const updated = await api(`${APPLICATIONS}/${encodeURIComponent(app.id)}/withdraw`, {
      method: "POST",
      json: reason.trim() ? { reason: reason.trim() } : {},
      headers: { "If-Match": `"${app.version}"` },
    });
    showDetail(updated, "申请已撤回。");
    loadMine();
  } catch (failure) {
    $("application-detail-error").textContent = failureText(failure);
  }
}

async function submit(event) {
  event.preventDefault();
  clearFieldErrors(form);
  $("application-error").textContent = "";
  const body = formBody();
  $("application-submit").disabled = true;
  try {
    let app;
    if (editing) {
      app = await api(`${APPLICATIONS}/${encodeURIComponent(editing.id)}`, {
        method: "PATCH",
        json: patchFrom(editing, body),
        headers: { "If-Match": `"${editing.version}"` },
      });
    } else {
      app = await api(APPLICATIONS, {
        method: "POST",
        json: body,
        headers: { "Idempotency-Key": crypto.randomUUID() },
      });
    }
    const resubmitted = Boolean(editing);
    resetForm(lastUser);
    showDetail(app, resubmitted ? "已重新提交，核验结果已更新。" : "申请已提交，以下为共享数据核验结果。");
    loadMine();
  } catch (failure) {
    if (failure.status === 422) showFieldErrors(form, failure.problem, $("application-error"));
    else $("application-error").textContent = failureText(failure);
  } finally {
    $("application-submit").disabled = false;
  }
}

async function open(id) {
  try {
    showDetail(await api(`${APPLICATIONS}/${encodeURIComponent(id)}`));
  } catch (failure) {
    $("my-applications-error").textContent = failureText(failure);
  }
}

async function loadMine({ more = false } = {}) {
  const body = $("my-applications").tBodies[0];
  $("my-applications-error").textContent = "";
  const params = new URLSearchParams({ limit: "20" });
  if ($("my-only").checked) params.set("mine", "true");
  if ($("my-status").value) params.set("status", $("my-status").value);
  if (more && nextCursor) params.set("cursor", nextCursor);
  try {
    const pageData = await api(`${APPLICATIONS}?${params}`);
    if (!more) body.replaceChildren();
    for (const app of pageData.items) {
      const view = el("button", { type: "button", className: "small", "aria-label": `查看 ${app.applicant.name} 的申请` }, "查看");
      view.addEventListener("click", () => open(app.id));
      body.appendChild(listRow(app, view));
    }
    if (!body.rows.length) {
      const row = body.insertRow();
      const td = row.insertCell();
      td.colSpan = 7;
      td.textContent = "暂无申请";
    }
    nextCursor = pageData.next_cursor;
    $("my-applications-more").hidden = !nextCursor;
    page.dataset.loaded = "true";
  } catch (failure) {
    $("my-applications-error").textContent = failureText(failure);
  }
}

export function showApplications(user) {
  lastUser = user;
  const shown = showSection(HTML, "page-applications");
  page = shown.node;
  if (shown.fresh) {
    form = $("application-form");
    for (const [code, name] of Object.entries(APPLICATION_STATUSES)) $("my-status").appendChild(new Option(name, code));
    form.addEventListener("submit", submit);
    $("application-cancel").addEventListener("click", () => resetForm(user));
    $("my-applications-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      loadMine();
    });
    $("my-applications-more").addEventListener("click", () => loadMine({ more: true }));
    resetForm(user);
  }
  page.dataset.loaded = "false";
  loadMine();
}

