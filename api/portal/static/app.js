// The portal's shell: login, the menu by the user's scopes, and hash routes to each page.

import { currentUser, logIn, logOut, whenSessionExpires } from "./api.js";
import { showApplications } from "./applications.js";
import { showAudit } from "./audit.js";
import { showClosureReport } from "./closure-report.js";
import { showDashboard } from "./dashboard.js";
import { showDiscrepancy } from "./discrepancy.js";
import { label, ROLES } from "./labels.js";
import { showPersons } from "./persons.js";
import { showReview } from "./review.js";
import { showWorklist } from "./worklist.js";

const PAGES = {
  persons: { scope: "persons:read", show: showPersons },
  applications: { scope: "applications:write", show: showApplications },
  review: { scope: "applications:review", show: showReview },
  worklist: { scope: "crosscheck:read", show: showWorklist },
  discrepancy: { scope: "crosscheck:read", show: showDiscrepancy },
  "closure-report": { scope: "crosscheck:read", show: showClosureReport },
  dashboard: { scope: "stats:read", show: showDashboard },
  audit: { scope: "audit:read", show: showAudit },
};

const $ = (id) => document.getElementById(id);
const FAREWELL_KEY = "vitalx.portal.farewell";

function notice(text) {
  $("notice").textContent = text || "";
}

function allowedPages(user) {
  return Object.keys(PAGES).filter((name) => user.scopes.includes(PAGES[name].scope));
}

function showSection(name) {
  for (const section of document.querySelectorAll("main > section.page")) {
    section.hidden = section.id !== `page-${name}`;
  }
  for (const link of document.querySelectorAll("#menu a")) {
    if (link.getAttribute("href") === `#/${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const heading = document.querySelector(`#page-${name} h1`);
  if (heading) heading.focus();
}

function renderMenu(user) {
  const menu = $("menu");
  menu.hidden = !user;
  if (!user) return;
  for (const item of menu.querySelectorAll("li[data-scope]")) {
    item.hidden = !user.scopes.includes(item.dataset.scope);
  }
  $("whoami").textContent = `${user.username}（${label(ROLES, user.role)}）· 辖区 ${user.region}`;
}

let shown = null;

function route() {
  const user = currentUser();
  renderMenu(user);
  const wanted = (location.hash.match(/^#\/([a-z-]+)/) || [])[1];
  if (!user) {
    shown = "login";
    showSection("login");
    return;
  }
  const pages = allowedPages(user);
  if (!pages.length) {
    shown = "none";
    showSection("none");
    return;
  }
  if (!pages.includes(wanted)) {
    location.replace(`#/${pages[0]}`);
    return;
  }
  if (shown !== wanted) notice("");
  shown = wanted;
  showSection(wanted);
  PAGES[wanted].show(user);
}

async function submitLogin(event) {
  event.preventDefault();
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  const error = $("login-error");
  error.textContent = "";
  if (!username || !password) {
    error.textContent = "请输入用户名和密码。";
    (username ? $("login-password") : $("login-username")).focus();
    return;
  }
  $("login-submit").disabled = true;
  try {
    await logIn(username, password);
    $("login-form").reset();
    notice("");
    route();
  } catch (failure) {
    error.textContent = failure.message;
    $("login-password").select();
  } finally {
    $("login-submit").disabled = false;
  }
}

async function submitLogout() {
  await logOut();
  // A fresh page keeps nothing of the last user's look-ups in memory or on screen.
  sessionStorage.setItem(FAREWELL_KEY, "您已安全退出。");
  location.replace("#/login");
  location.reload();
}

function start() {
  whenSessionExpires(() => {
    route();
    notice("登录已过期，请重新登录。");
  });
  $("login-form").addEventListener("submit", submitLogin);
  $("logout").addEventListener("click", submitLogout);
  window.addEventListener("hashchange", route);
  route();
  notice(sessionStorage.getItem(FAREWELL_KEY));
  sessionStorage.removeItem(FAREWELL_KEY);
}

start();
