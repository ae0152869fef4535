// What the worklist, the discrepancy page, the closure report and the run card share: building
// nodes, showing a page made from a template, and the Chinese words for a discrepancy.

import { api } from "./api.js";
import { DISCREPANCY_TYPES, label, SEXES } from "./labels.js";

export const DISCREPANCIES = "/v1/discrepancies";
export const RUNS = "/v1/crosscheck/runs";

export const RUN_PHASES = {
  queued: "排队等待比对程序",
  starting: "正在启动",
  fingerprint: "检查数据是否有变化",
  load: "读取出生、户籍、人员和婚姻数据",
  link: "比对关联记录",
  reconcile: "更新比对工作清单",
  done: "比对完成",
  failed: "比对失败",
};

export const RUN_STATUSES = { queued: "排队中", running: "比对中", succeeded: "已完成", failed: "失败" };

export const RECORD_NAMES = {
  births: "出生医学证明记录",
  "household-entries": "户籍登记记录",
  persons: "人员记录",
  marriages: "婚姻登记记录",
};

export const MARRIAGE_TYPES = { marriage: "结婚登记", divorce: "离婚登记", restored: "复婚登记" };

export function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// A page written as a template (no user data in it), put into <main> the first time it is
// shown; the shell hides the other pages.
export function showPage(html, id) {
  let node = document.getElementById(id);
  const fresh = !node;
  if (fresh) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    node = template.content.firstElementChild;
    document.getElementById("main").appendChild(node);
  }
  for (const page of document.querySelectorAll("main > section.page")) page.hidden = page !== node;
  node.querySelector("h1").focus();
  return { node, fresh };
}

// The purpose the worklist's calls are made for: the cross-check, when the user may state it.
export function purposeHeaders(user) {
  return user.purposes.includes("crosscheck") ? { "X-Purpose-Of-Use": "crosscheck" } : {};
}

export function today() {
  // Due dates are days in Beijing time; the portal is used in China.
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

export function typeName(type) {
  return label(DISCREPANCY_TYPES, type);
}

// Who an item is about, in a few words: the child (or the persons) and the certificate.
export function who(item) {
  const s = item.summary || {};
  if (s.child) {
    const name = s.child.name || "未取名婴儿";
    const sex = s.child.sex ? label(SEXES, s.child.sex) : "";
    return `${name}${sex ? `（${sex}）` : ""}${s.child.birth_date ? ` ${s.child.birth_date}出生` : ""}`;
  }
  if (s.persons && s.persons.length) return s.persons.map((p) => p.name).join("、");
  return "—";
}

export function mother(item) {
  const m = (item.summary || {}).mother;
  if (!m) return "—";
  return [m.name, m.id_number].filter(Boolean).join(" ") || "—";
}

export function certificates(item) {
  const numbers = (item.summary || {}).certificate_nos || [];
  return numbers.length ? numbers.join(" / ") : "—";
}

export function place(item) {
  return (item.summary || {}).region_name || item.region;
}

export function attachmentName(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const encoded = header.match(/filename\*=UTF-8''([^;]+)/i);
  return encoded ? decodeURIComponent(encoded[1]) : fallback;
}

// GET a file (xlsx or csv) with the token and hand it to the browser as a download.
export async function download(path, headers, fallback) {
  const response = await api(path, { headers, as: "blob" });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: attachmentName(response, fallback) });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return response;
}

export function badge(className, text) {
  return el("span", { className: `badge ${className}` }, text);
}
