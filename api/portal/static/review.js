// 审核发证: the reviewer's queue of submitted applications with their checks and history;
// issue (the verification code is shown once), request a correction, reject, reissue.

import { api } from "./api.js";
import {
  APPLICATIONS,
  downloadCertificate,
  el,
  failureText,
  listRow,
  renderChecks,
  renderFacts,
  renderHistory,
  showSection,
} from "./application-view.js";
import { APPLICATION_STATUSES, CHANNELS } from "./labels.js";

const HTML = `
<section id="page-review" class="page" aria-labelledby="review-title" hidden>
  <h1 id="review-title" tabindex="-1">审核发证</h1>
  <form method="post" id="review-filter" class="card inline-form" novalidate>
    <div class="field"><label for="review-status">申请状态</label>
      <select id="review-status"></select></div>
    <div class="field"><label for="review-channel">办理渠道</label>
      <select id="review-channel"><option value="">全部渠道</option></select></div>
    <button type="submit">筛选</button>
  </form>
  <p id="review-error" class="error" role="alert"></p>
  <div class="review-layout">
    <section class="card" aria-labelledby="review-queue-title">
      <h2 id="review-queue-title">待办申请（先提交的在前）</h2>
      <div class="table-wrap"><table id="review-queue">
        <thead><tr><th scope="col">提交时间</th><th scope="col">申请人</th>
          <th scope="col">状态</th><th scope="col">核验</th><th scope="col">操作</th></tr></thead>
        <tbody></tbody></table></div>
      <button type="button" id="review-more" class="secondary" hidden>加载更多</button>
    </section>

    <section id="review-detail" class="card" aria-labelledby="review-detail-title" hidden>
      <h2 id="review-detail-title" tabindex="-1">申请详情</h2>
      <div id="issued-box" class="issued-box" role="status" hidden>
        <p>已发证。证明编号 <strong id="issued-no" class="mono"></strong></p>
        <p>核验码 <strong id="issued-code" class="mono"></strong>
          <span class="hint inline">（仅显示这一次，系统不保存明文；请立即下载打印证明或告知申请人）</span></p>
        <button type="button" id="issued-download">下载证明PDF（含核验码）</button>
      </div>
      <dl id="review-facts" class="fields"></dl>
      <h3>共享数据核验结果</h3>
      <div class="table-wrap"><table id="review-checks">
        <thead><tr><th scope="col">核验项目</th><th scope="col">结果</th><th scope="col">说明</th></tr></thead>
        <tbody></tbody></table></div>
      <h3>办理记录</h3>
      <ol id="review-history" class="history"></ol>
      <p id="review-detail-error" class="error" role="alert" tabindex="-1"></p>
      <div class="actions" id="review-actions"></div>

      <form method="post" id="decision-form" class="decision" novalidate hidden>
        <div class="field">
          <label for="decision-text" id="decision-label">原因</label>
          <textarea id="decision-text" rows="3" maxlength="2000"></textarea>
          <p id="decision-hint" class="hint"></p>
        </div>
        <div class="actions">
          <button type="button" id="decision-cancel" class="secondary">取消</button>
          <button type="submit" id="decision-submit">确认</button>
        </div>
      </form>
    </section>
  </div>
</section>`;

const $ = (id) => document.getElementById(id);
let page = null;
let nextCursor = null;
let current = null;
let decision = null; // "request-correction" | "reject" | "reissue"
let lastCode = null;

const DECISIONS = {
  "request-correction": { label: "退回补正的原因（每行一条）", hint: "申请人将看到这些原因并据此补正。", button: "退回补正" },
  reject: { label: "不予登记的原因", hint: "必须填写原因。", button: "确认不予登记" },
  reissue: { label: "补发原因", hint: "如证明遗失、损坏；原证明将作废（显示为已被替换）。", button: "确认补发" },
};

function showDetail(app) {
  current = app;
  const detail = $("review-detail");
  detail.hidden = false;
  detail.dataset.id = app.id;
  detail.dataset.status = app.status;
  $("review-detail-error").textContent = "";
  $("decision-form").hidden = true;
  renderFacts($("review-facts"), app);
  renderChecks($("review-checks"), app.checks);
  renderHistory($("review-history"), app.status_history);
  const actions = $("review-actions");
  actions.replaceChildren();
  const button = (text, handler, secondary = true) => {
    const node = el("button", { type: "button", className: secondary ? "secondary" : "" }, text);
    node.addEventListener("click", handler);
    actions.appendChild(node);
  };
  if (app.status === "submitted") {
    button("发证", issue, false);
    button("退回补正", () => openDecision("request-correction"));
  }
  if (["submitted", "needs_correction"].includes(app.status)) button("不予登记", () => openDecision("reject"));
  if (app.status === "issued") {
    button("下载证明PDF", () => download(null));
    button("补发证明", () => openDecision("reissue"));
  }
}

function showIssued(app, code) {
  lastCode = code;
  $("issued-box").hidden = false;
  $("issued-no").textContent = app.certificate_no;
  $("issued-code").textContent = code;
}

async function download(code) {
  try {
    await downloadCertificate(current, code);
  } catch (failure) {
    $("review-detail-error").textContent = failureText(failure);
  }
}

async function act(action, body) {
  const answer = await api(`${APPLICATIONS}/${encodeURIComponent(current.id)}/${action}`, {
    method: "POST",
    json: body,
    headers: { "If-Match": `"${current.version}"` },
  });
  showDetail(answer);
  if (answer.verification_code) showIssued(answer, answer.verification_code);
  load();
  return answer;
}

async function issue() {
  $("issued-box").hidden = true;
  try {
    await act("issue", undefined);
    $("issued-download").focus();
  } catch (failure) {
    $("review-detail-error").textContent = failureText(failure);
    $("review-detail-error").focus();
  }
}

function openDecision(kind) {
  decision = kind;
  const text = DECISIONS[kind];
  $("decision-form").hidden = false;
  $("decision-label").textContent = text.label;
  $("decision-hint").textContent = text.hint;
  $("decision-submit").textContent = text.button;
  $("decision-text").value = "";
  $("decision-text").focus();
}

async function submitDecision(event) {
  event.preventDefault();
  const text = $("decision-text").value.trim();
  if (!text) {
    $("review-detail-error").textContent = "请填写原因。";
    $("decision-text").focus();
    return;
  }
  const body =
    decision === "request-correction"
      ? { reasons: text.split("\n").map((r) => r.trim()).filter(Boolean) }
      : { reason: text };
  try {
    $("issued-box").hidden = true;
    await act(decision, body);
  } catch (failure) {
    $("review-detail-error").textContent = failureText(failure);
  }
}

async function open(id) {
  $("issued-box").hidden = true;
  try {
    showDetail(await api(`${APPLICATIONS}/${encodeURIComponent(id)}`));
    $("review-detail-title").focus();
  } catch (failure) {
    $("review-error").textContent = failureText(failure);
  }
}

async function load({ more = false } = {}) {
  const body = $("review-queue").tBodies[0];
  $("review-error").textContent = "";
  const params = new URLSearchParams({ limit: "20" });
  if ($("review-status").value) params.set("status", $("review-status").value);
  if ($("review-channel").value) params.set("channel", $("review-channel").value);
  if (more && nextCursor) params.set("cursor", nextCursor);
  try {
    const data = await api(`${APPLICATIONS}?${params}`);
    if (!more) body.replaceChildren();
    for (const app of data.items) {
      const view = el("button", { type: "button", className: "small", "aria-label": `办理 ${app.applicant.name} 的申请` }, "办理");
      view.addEventListener("click", () => open(app.id));
      body.appendChild(listRow(app, view, { compact: true }));
    }
    if (!body.rows.length) {
      const td = body.insertRow().insertCell();
      td.colSpan = 5;
      td.textContent = "没有符合条件的申请";
    }
    nextCursor = data.next_cursor;
    $("review-more").hidden = !nextCursor;
    page.dataset.loaded = "true";
  } catch (failure) {
    $("review-error").textContent = failureText(failure);
  }
}

export function showReview() {
  const shown = showSection(HTML, "page-review");
  page = shown.node;
  if (shown.fresh) {
    const status = $("review-status");
    status.appendChild(new Option("全部状态", ""));
    for (const [code, name] of Object.entries(APPLICATION_STATUSES)) status.appendChild(new Option(name, code));
    status.value = "submitted";
    for (const [code, name] of Object.entries(CHANNELS)) $("review-channel").appendChild(new Option(name, code));
    $("review-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    $("review-more").addEventListener("click", () => load({ more: true }));
    $("decision-form").addEventListener("submit", submitDecision);
    $("decision-cancel").addEventListener("click", () => {
      $("decision-form").hidden = true;
    });
    $("issued-download").addEventListener("click", () => download(lastCode));
  }
  page.dataset.loaded = "false";
  load();
}
