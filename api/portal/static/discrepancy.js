// 比对问题详情 (#/discrepancy/<id>): whom it is about (child, mother, certificate, household),
// why it was raised, the records involved; assign, comment, resolve; its history.

import { api } from "./api.js";
import {
  badge,
  DISCREPANCIES,
  el,
  MARRIAGE_TYPES,
  purposeHeaders,
  RECORD_NAMES,
  showPage,
  typeName,
} from "./crosscheck-view.js";
import {
  ACTIONS,
  DISCREPANCY_STATUSES,
  label,
  MARITAL_STATUSES,
  RESOLUTIONS,
  SEXES,
  shownInstant,
} from "./labels.js";

const HTML = `
<section id="page-discrepancy" class="page" aria-labelledby="discrepancy-title" hidden>
  <p class="back"><a href="#/worklist">← 返回比对工作清单</a></p>
  <h1 id="discrepancy-title" tabindex="-1">比对问题详情</h1>
  <p id="discrepancy-error" class="error" role="alert"></p>
  <div id="discrepancy-body" hidden>
    <section class="card" aria-labelledby="d-type">
      <h2 id="d-type"></h2>
      <p id="d-explanation" class="explanation"></p>
      <dl id="d-facts" class="fields"></dl>
    </section>
    <div class="detail-grid">
      <section class="card" id="d-child-card" aria-labelledby="d-child-title">
        <h2 id="d-child-title">婴儿</h2><dl id="d-child" class="fields two"></dl>
      </section>
      <section class="card" id="d-mother-card" aria-labelledby="d-mother-title">
        <h2 id="d-mother-title">母亲与户籍</h2><dl id="d-mother" class="fields two"></dl>
      </section>
    </div>
    <section class="card" id="d-persons-card" aria-labelledby="d-persons-title" hidden>
      <h2 id="d-persons-title">涉及人员</h2><div id="d-persons"></div>
    </section>
    <section class="card" aria-labelledby="d-links-title">
      <h2 id="d-links-title">相关记录</h2>
      <p class="hint">各部门系统可按以下接口地址读取原始记录；完整证件号请在人员查询中说明用途后查看。</p>
      <ul id="d-links" class="links"></ul>
    </section>
    <div class="detail-grid">
      <form method="post" id="assign-form" class="card" novalidate aria-labelledby="assign-title">
        <h2 id="assign-title">指派承办人</h2>
        <div class="inline-form">
          <div class="field">
            <label for="assign-to">指派给</label>
            <select id="assign-to" name="assignee"></select>
          </div>
          <button type="submit" id="assign-submit">指派</button>
        </div>
        <p id="assign-error" class="error" role="alert"></p>
      </form>
      <form method="post" id="d-resolve-form" class="card" novalidate aria-labelledby="d-resolve-title">
        <h2 id="d-resolve-title">处理</h2>
        <div class="field">
          <label for="d-resolution">处理结果</label>
          <select id="d-resolution" name="resolution" required></select>
        </div>
        <div class="field">
          <label for="d-note">处理说明</label>
          <textarea id="d-note" name="note" rows="3" maxlength="2000" required></textarea>
        </div>
        <button type="submit" id="d-resolve-submit">提交处理结果</button>
        <p id="d-resolve-error" class="error" role="alert"></p>
      </form>
    </div>
    <section class="card" aria-labelledby="d-comments-title">
      <h2 id="d-comments-title">办理意见</h2>
      <ol id="d-comments" class="comments"></ol>
      <form method="post" id="comment-form" novalidate>
        <div class="field">
          <label for="comment-body">添加办理意见</label>
          <textarea id="comment-body" name="body" rows="2" maxlength="2000"></textarea>
        </div>
        <button type="submit" id="comment-submit" class="secondary">添加</button>
        <p id="comment-error" class="error" role="alert"></p>
      </form>
    </section>
    <section class="card" aria-labelledby="d-history-title">
      <h2 id="d-history-title">处理记录</h2>
      <div class="table-wrap"><table id="d-history">
        <thead><tr><th scope="col">时间</th><th scope="col">操作</th><th scope="col">操作人</th><th scope="col">说明</th></tr></thead>
        <tbody></tbody></table></div>
    </section>
  </div>
</section>`;

const $ = (id) => document.getElementById(id);
const HISTORY_ACTIONS = { ...ACTIONS, assign: "指派", update: "比对结果更新" };
let item = null;
let headers = {};
let canResolve = false;

function facts(list, pairs) {
  list.replaceChildren();
  for (const [term, value] of pairs) {
    if (value === undefined) continue;
    list.append(el("dt", {}, term));
    const dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = value === null || value === "" ? "—" : String(value);
    list.append(dd);
  }
}

function renderChild(summary) {
  const child = summary.child;
  const registered = summary.registered_child;
  $("d-child-card").hidden = !child;
  if (!child) return;
  const pairs = [
    ["姓名", child.name || "（未取名）"],
    ["性别", label(SEXES, child.sex)],
    ["出生日期", child.birth_date],
    ["出生医学证明编号", child.certificate_no],
    ["出生地", summary.birth_region_name],
  ];
  if (registered && registered !== child) {
    pairs.push(["户籍登记姓名", registered.name], ["户籍登记性别", label(SEXES, registered.sex)]);
    pairs.push(["户籍登记出生日期", registered.birth_date], ["户籍登记所附证明编号", registered.certificate_no]);
  }
  if (registered && registered.id_number) pairs.push(["公民身份号码", registered.id_number]);
  facts($("d-child"), pairs);
}

function renderMother(summary) {
  const m = summary.mother;
  $("d-mother-card").hidden = !m && !summary.household_no;
  facts($("d-mother"), [
    ["母亲姓名", m ? m.name : null],
    ["母亲身份证号", m ? m.id_number : null],
    ["户号", summary.household_no],
    ["户籍地", summary.household_region_name],
  ]);
}

function renderPersons(summary) {
  const box = $("d-persons");
  box.replaceChildren();
  $("d-persons-card").hidden = !(summary.persons || []).length && !summary.marriage;
  for (const p of summary.persons || []) {
    const list = el("dl", { className: "fields two" });
    facts(list, [
      ["姓名", p.name],
      ["性别", label(SEXES, p.sex)],
      ["出生日期", p.birth_date],
      ["公民身份号码", p.id_number],
      ["户籍地", p.household_region_name],
      ["婚姻状况", label(MARITAL_STATUSES, p.marital_status)],
    ]);
    box.appendChild(list);
  }
  if (summary.marriage) {
    const m = summary.marriage;
    const list = el("dl", { className: "fields two" });
    facts(list, [
      ["婚姻登记", label(MARRIAGE_TYPES, m.record_type)],
      ["登记日期", m.registered_on],
      ["证书编号", m.certificate_no],
      ["登记机关所在地", m.registry_region_name],
      ["双方", m.parties.join("、")],
    ]);
    box.appendChild(list);
  }
}

function render(found) {
  item = found;
  const s = found.summary;
  $("discrepancy-body").hidden = false;
  $("d-type").textContent = typeName(found.type);
  $("d-explanation").textContent = found.explanation;
  const status = badge(`status-${found.status}`, label(DISCREPANCY_STATUSES, found.status));
  const due = el("span", {}, found.due_by);
  if (found.overdue) due.append(" ", badge("overdue-flag", "已逾期"));
  facts($("d-facts"), [
    ["状态", status],
    ["地区", s.region_name || found.region],
    ["发现时间", shownInstant(found.detected_at)],
    ["办理期限", due],
    ["承办人", found.assignee || "未指派"],
    ["处理结果", found.resolution ? label(RESOLUTIONS, found.resolution) : null],
    ["处理说明", found.note],
    ["处理人", found.resolved_by],
  ]);
  renderChild(s);
  renderMother(s);
  renderPersons(s);
  $("d-links").replaceChildren(
    ...found.subjects.map((subject) => {
      const li = el("li", {}, `${RECORD_NAMES[subject.resource] || subject.resource}：`);
      li.appendChild(el("code", {}, subject.href));
      return li;
    }),
  );
  const settled = found.status === "resolved" || !canResolve;
  $("d-resolve-form").hidden = settled;
  $("assign-form").hidden = settled;
  $("comment-form").hidden = !canResolve;
}

async function loadAssignees() {
  if (!canResolve) return;
  const select = $("assign-to");
  select.replaceChildren(new Option("（不指派）", ""));
  try {
    const answer = await api(`${DISCREPANCIES}/${encodeURIComponent(item.id)}/assignees`, { headers });
    for (const user of answer.items) select.appendChild(new Option(user.username, user.username));
  } catch (failure) {
    $("assign-error").textContent = failure.message;
  }
  select.value = item.assignee || "";
}

async function loadComments() {
  const answer = await api(`${DISCREPANCIES}/${encodeURIComponent(item.id)}/comments`, { headers });
  $("d-comments").replaceChildren(
    ...answer.items.map((c) => {
      const li = el("li");
      li.append(el("span", { className: "hint" }, `${shownInstant(c.created_at)} ${c.author}：`), c.body);
      return li;
    }),
  );
}

async function loadHistory() {
  const answer = await api(`${DISCREPANCIES}/${encodeURIComponent(item.id)}/history`, { headers });
  $("d-history").querySelector("tbody").replaceChildren(
    ...answer.items.map((v) => {
      const row = el("tr");
      for (const text of [
        shownInstant(v.changed_at),
        label(HISTORY_ACTIONS, v.action),
        v.changed_by.startsWith("crosscheck:") ? "比对程序" : v.changed_by,
        v.reason || "",
      ]) {
        row.appendChild(el("td", {}, text));
      }
      return row;
    }),
  );
}

async function load(id) {
  $("discrepancy-error").textContent = "";
  $("discrepancy-body").hidden = true;
  try {
    render(await api(`${DISCREPANCIES}/${encodeURIComponent(id)}`, { headers }));
    await Promise.all([loadAssignees(), loadComments(), loadHistory()]);
  } catch (failure) {
    $("discrepancy-error").textContent = `无法打开该比对问题：${failure.message}`;
    $("discrepancy-body").hidden = true;
  }
}

async function act(button, error, call, done) {
  $(error).textContent = "";
  $(button).disabled = true;
  try {
    render(await call());
    await Promise.all([loadAssignees(), loadHistory()]);
    document.getElementById("notice").textContent = done;
  } catch (failure) {
    $(error).textContent = failure.message;
  } finally {
    $(button).disabled = false;
  }
}

function bind() {
  for (const [code, name] of Object.entries(RESOLUTIONS)) $("d-resolution").appendChild(new Option(name, code));
  const base = () => `${DISCREPANCIES}/${encodeURIComponent(item.id)}`;
  $("assign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const assignee = $("assign-to").value || null;
    act("assign-submit", "assign-error", () => api(`${base()}/assign`, { method: "POST", json: { assignee }, headers }),
      assignee ? `已指派给 ${assignee}。` : "已取消指派。");
  });
  $("d-resolve-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const note = $("d-note").value.trim();
    if (!note) {
      $("d-resolve-error").textContent = "请填写处理说明。";
      $("d-note").focus();
      return;
    }
    const resolution = $("d-resolution").value;
    act("d-resolve-submit", "d-resolve-error",
      () => api(`${base()}/resolve`, { method: "POST", json: { resolution, note }, headers }),
      `已处理：${label(RESOLUTIONS, resolution)}。`);
  });
  $("comment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = $("comment-body").value.trim();
    if (!body) return;
    try {
      await api(`${base()}/comments`, { method: "POST", json: { body }, headers });
      $("comment-body").value = "";
      await loadComments();
    } catch (failure) {
      $("comment-error").textContent = failure.message;
    }
  });
}

export function showDiscrepancy(user) {
  headers = purposeHeaders(user);
  const { fresh } = showPage(HTML, "page-discrepancy");
  if (fresh) bind();
  canResolve = user.scopes.includes("crosscheck:resolve");
  const id = decodeURIComponent((location.hash.match(/^#\/discrepancy\/([^/?#]+)/) || [])[1] || "");
  if (!id) {
    $("discrepancy-body").hidden = true;
    $("discrepancy-error").textContent = "请从比对工作清单中选择要查看的问题。";
    return;
  }
  load(id);
}
