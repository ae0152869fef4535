// Calls to the vitalx API with the staff token kept in sessionStorage (gone when the tab closes).

const TOKEN_KEY = "vitalx.portal.token";

export class ApiError extends Error {
  constructor(status, message, problem) {
    super(message);
    this.status = status;
    this.problem = problem || {};
  }
}

function decodeClaims(token) {
  const part = token.split(".")[1] || "";
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

// The signed-in staff member: the token and what its claims say (display only; the API checks).
export function currentUser() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  try {
    const claims = decodeClaims(token);
    if (claims.exp && claims.exp * 1000 <= Date.now()) {
      sessionStorage.removeItem(TOKEN_KEY);
      return null;
    }
    return {
      token,
      username: claims.sub,
      role: claims.role || "",
      region: claims.region || "",
      jti: claims.jti,
      scopes: String(claims.scope || "").split(" ").filter(Boolean),
      purposes: Array.isArray(claims.purposes) ? claims.purposes : [],
    };
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
}

export function signOutLocally() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// A wrong password, an unknown user and a locked account get one answer (400), so that
// the service never tells which it was; the message names both possibilities.
const LOGIN_REFUSED = "用户名或密码错误；多次输错后账号会被临时锁定，请稍后再试。";
const LOGIN_MESSAGES = {
  429: "登录尝试过于频繁，请稍后再试。",
};

// POST /oauth/token with the password grant; resolves to the user or rejects with ApiError.
export async function logIn(username, password) {
  const body = new URLSearchParams({ grant_type: "password", username, password });
  let response;
  try {
    response = await fetch("/oauth/token", { method: "POST", body });
  } catch (error) {
    throw new ApiError(0, "无法连接服务器，请检查网络后重试。");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    let message = LOGIN_MESSAGES[response.status] || LOGIN_REFUSED;
    if (response.status >= 500) message = "服务器暂时无法登录，请稍后再试。";
    else if (/disabled/.test(data.error_description || "")) message = "该账号已停用，请联系管理员。";
    else if (response.status === 422) message = "请输入用户名和密码。";
    throw new ApiError(response.status, message, data);
  }
  sessionStorage.setItem(TOKEN_KEY, data.access_token);
  return currentUser();
}

// Best effort: revoke the token on the server, then forget it here whatever the answer.
export async function logOut() {
  const user = currentUser();
  signOutLocally();
  if (!user) return;
  try {
    await fetch("/oauth/revoke", {
      method: "POST",
      headers: { Authorization: `Bearer ${user.token}` },
      body: new URLSearchParams({ token: user.token }), // RFC 7009: the token itself
    });
  } catch (error) {
    // The token expires on its own; nothing more to do offline.
  }
}

const STATUS_MESSAGES = {
  400: "请求有误。",
  401: "登录已过期，请重新登录。",
  403: "您没有执行此操作的权限。",
  404: "未找到记录（或不在您的管辖范围内）。",
  409: "该记录已被他人处理，请刷新后查看。",
  412: "记录已被他人修改，请刷新后重试。",
  413: "请求内容过大。",
  422: "输入内容有误，请检查后重试。",
  428: "请刷新后重试。",
  429: "请求过于频繁，请稍后再试。",
};

export function messageFor(status, problem) {
  if (status >= 500) return "服务器出错，请稍后再试。";
  let message = STATUS_MESSAGES[status] || `请求失败（${status}）。`;
  const fields = (problem && problem.errors ? problem.errors : [])
    .map((e) => e.field)
    .filter((f) => f && f !== "body");
  if (status === 422 && fields.length) message += `（字段：${fields.join("、")}）`;
  return message;
}

let onExpired = () => {};
export function whenSessionExpires(handler) {
  onExpired = handler;
}

// Call /v1 with the token; `json` is sent as the body; `as: "blob"` returns the response blob.
export async function api(path, { method = "GET", json, headers = {}, as = "json" } = {}) {
  const user = currentUser();
  if (!user) {
    onExpired();
    throw new ApiError(401, STATUS_MESSAGES[401]);
  }
  const init = { method, headers: { Authorization: `Bearer ${user.token}`, ...headers } };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, "无法连接服务器，请检查网络后重试。");
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    if (response.status === 401) {
      signOutLocally();
      onExpired();
    }
    throw new ApiError(response.status, messageFor(response.status, problem), problem);
  }
  if (as === "blob") return response;
  return response.json();
}
