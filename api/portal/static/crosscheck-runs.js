// 发起比对: a supervisor queues a cross-check of a region and watches its progress.

import { api } from "./api.js";
import { purposeHeaders, RUN_PHASES, RUN_STATUSES, RUNS } from "./crosscheck-view.js";
import { label } from "./labels.js";

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

export const RUN_CARD = `
<section id="run-card" class="card" aria-labelledby="run-title" hidden>
  <h2 id="run-title">发起比对</h2>
  <p class="hint">比对由后台比对程序执行，可离开本页；完成后工作清单自动更新。同一地区同一时间只能有一次比对。</p>
  <form method="post" id="run-form" class="inline-form" novalidate>
    <div class="field">
      <label for="run-region">比对地区代码</label>
      <input id="run-region" name="region" inputmode="numeric" maxlength="6" pattern="[0-9]{6}" required>
    </div>
    <div class="field">
      <label for="run-as-of">比对基准日</label>
      <input id="run-as-of" name="as_of" type="date" required>
    </div>
    <button type="submit" id="run-start">开始比对</button>
  </form>
  <div id="run-progress" class="run-progress" hidden>
    <p id="run-status" role="status" aria-live="polite"></p>
    <progress id="run-bar" max="100" value="0" aria-labelledby="run-status"></progress>
  </div>
  <p id="run-error" class="error" role="alert"></p>
</section>`;

let timer = null;
let headers = {};
let onFinished = () => {};

function show(run) {
  $("run-progress").hidden = false;
  const progress = run.progress || { phase: run.status, percent: 0 };
  $("run-bar").value = progress.percent;
  let text = `${label(RUN_STATUSES, run.status)}：${label(RUN_PHASES, progress.phase)}（${progress.percent}%）`;
  if (run.status === "succeeded") {
    text += `。新发现 ${run.opened} 条，重新打开 ${run.reopened} 条，自动销号 ${run.closed} 条。`;
  }
  if (run.status === "failed") text += `。${run.error || ""}`;
  $("run-status").textContent = text;
}

async function follow(runId) {
  clearTimeout(timer);
  try {
    const run = await api(`${RUNS}/${encodeURIComponent(runId)}`, { headers });
    show(run);
    if (run.status === "queued" || run.status === "running") {
      timer = setTimeout(() => follow(runId), POLL_MS);
    } else {
      $("run-start").disabled = false;
      if (run.status === "succeeded") onFinished();
    }
  } catch (failure) {
    $("run-error").textContent = `无法获取比对进度：${failure.message}`;
    $("run-start").disabled = false;
  }
}

async function start(event) {
  event.preventDefault();
  $("run-error").textContent = "";
  const region = $("run-region").value.trim();
  const asOf = $("run-as-of").value;
  if (!/^[0-9]{6}$/.test(region)) {
    $("run-error").textContent = "请输入6位地区代码。";
    $("run-region").focus();
    return;
  }
  $("run-start").disabled = true;
  try {
    const accepted = await api(RUNS, { method: "POST", json: { region, ...(asOf ? { as_of: asOf } : {}) }, headers });
    show({ status: accepted.status, progress: { phase: "queued", percent: 0 } });
    follow(accepted.id);
  } catch (failure) {
    const problem = failure.problem || {};
    $("run-error").textContent = problem.status === 409 || problem.status === 422 ? problem.detail : failure.message;
    $("run-start").disabled = false;
  }
}

// Show the card to users who may start runs; `finished` is called when a run succeeds.
export async function mountRunCard(user, finished) {
  const card = $("run-card");
  card.hidden = !user.scopes.includes("crosscheck:run");
  if (card.hidden) return;
  headers = purposeHeaders(user);
  onFinished = finished;
  if (!card.dataset.bound) {
    card.dataset.bound = "1";
    $("run-region").value = user.region;
    $("run-as-of").value = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
    $("run-form").addEventListener("submit", start);
  }
  // Pick up a run still in progress (the latest of the user's jurisdiction).
  try {
    const latest = (await api(`${RUNS}?limit=1`, { headers })).items[0];
    if (latest && (latest.status === "queued" || latest.status === "running")) {
      $("run-start").disabled = true;
      show(latest);
      follow(latest.id);
    }
  } catch (failure) {
    $("run-error").textContent = "";
  }
}

