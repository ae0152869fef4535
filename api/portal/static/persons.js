// 人员查询: look a person up by ID number (masked), unmask with a stated purpose, access log.

import { api } from "./api.js";
import {
  ACTIONS,
  DEPARTMENTS,
  label,
  MARITAL_STATUSES,
  OUTCOMES,
  PERSON_STATUSES,
  PURPOSES,
  SEXES,
  shownInstant,
} from "./labels.js";

const $ = (id) => document.getElementById(id);
const ID_NUMBER = /^[0-9]{17}[0-9Xx]$/;

let bound = false;
let current = null; // { idNumber, person }

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
  return td;
}

// The mask hides the birth date digits of the ID number, so a masked view never shows the
// birth date either (the API withholds it too); it appears once a purpose is stated.
function shownBirthDate(person, unmasked) {
  if (!unmasked) return "（随证件号隐藏）";
  return person.birth_date || "—";
}

function renderPerson(person, unmasked) {
  const fields = [
    ["姓名", person.name],
    ["公民身份号码", person.id_number, unmasked ? "（完整）" : "（部分隐藏）"],
    ["性别", label(SEXES, person.sex)],
    ["出生日期", shownBirthDate(person, unmasked)],
    ["民族代码", person.ethnicity || "—"],
    ["户籍地", person.household_region || "—"],
    ["户号", person.household_no || "—"],
    ["现居住地", person.residence_region || "—"],
    ["人户分离", person.separated === true ? "是" : person.separated === false ? "否" : "—"],
    ["婚姻状况", label(MARITAL_STATUSES, person.marital_status)],
    ["人员状态", label(PERSON_STATUSES, person.status)],
  ];
  if (person.death_date) fields.push(["死亡日期", person.death_date]);
  const list = $("person-fields");
  list.replaceChildren();
  for (const [name, value, note] of fields) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value ?? "—";
    if (name === "公民身份号码") {
      dd.id = "person-id-number";
      dd.tabIndex = -1;
      dd.classList.add("mono");
      const small = document.createElement("span");
      small.className = "hint inline";
      small.textContent = note;
      dd.append(" ", small);
    }
    list.append(dt, dd);
  }
}

async function loadAccessLog(personId) {
  const body = $("access-log").querySelector("tbody");
  $("access-log-error").textContent = "";
  try {
    const page = await api(`/v1/persons/${encodeURIComponent(personId)}/access-log?limit=50`);
    body.replaceChildren();
    for (const entry of page.items) {
      const row = document.createElement("tr");
      cell(row, shownInstant(entry.time));
      cell(row, label(DEPARTMENTS, entry.department));
      cell(row, entry.actor || "—");
      cell(row, label(PURPOSES, entry.purpose));
      cell(row, entry.case_id || "—");
      cell(row, label(ACTIONS, entry.action));
      cell(row, label(OUTCOMES, entry.outcome));
      body.appendChild(row);
    }
    if (!page.items.length) {
      const row = document.createElement("tr");
      cell(row, "暂无访问记录").colSpan = 7;
      body.appendChild(row);
    }
  } catch (failure) {
    $("access-log-error").textContent = `访问记录加载失败：${failure.message}`;
  }
}

async function lookUp(idNumber, headers = {}) {
  const person = await api("/v1/persons/lookup", {
    method: "POST",
    json: { id_number: idNumber },
    headers,
  });
  current = { idNumber, person };
  renderPerson(person, Boolean(headers["X-Purpose-Of-Use"]));
  $("person-result").hidden = false;
  await loadAccessLog(person.id);
}

async function submitLookup(event) {
  event.preventDefault();
  const error = $("lookup-error");
  error.textContent = "";
  const idNumber = $("lookup-id-number").value.trim().toUpperCase();
  if (!ID_NUMBER.test(idNumber)) {
    error.textContent = "请输入18位公民身份号码（最后一位可以是X）。";
    $("lookup-id-number").focus();
    return;
  }
  $("person-result").hidden = true;
  current = null;
  try {
    await lookUp(idNumber);
  } catch (failure) {
    error.textContent =
      failure.status === 404 ? "未找到该证件号码对应的人员（或不在您的管辖范围内）。" : failure.message;
  }
}

async function submitUnmask(event) {
  event.preventDefault();
  const error = $("unmask-error");
  error.textContent = "";
  if (!current) return;
  const purpose = $("unmask-purpose").value;
  const caseId = $("unmask-case-id").value.trim();
  if (!purpose) {
    error.textContent = "请选择用途。";
    return;
  }
  const headers = { "X-Purpose-Of-Use": purpose };
  if (caseId) headers["X-Case-Id"] = caseId;
  try {
    await lookUp(current.idNumber, headers);
    $("person-id-number").focus();
  } catch (failure) {
    error.textContent = failure.message;
  }
}

function fillPurposes(user) {
  const select = $("unmask-purpose");
  select.replaceChildren();
  const prompt = new Option("请选择用途", "");
  select.appendChild(prompt);
  for (const purpose of user.purposes) {
    select.appendChild(new Option(label(PURPOSES, purpose), purpose));
  }
}

export function showPersons(user) {
  fillPurposes(user);
  if (bound) return;
  bound = true;
  $("lookup-form").addEventListener("submit", submitLookup);
  $("unmask-form").addEventListener("submit", submitUnmask);
}
