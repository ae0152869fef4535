// 证明核验 (public, no login): checks a certificate number and code with
// GET /v1/certificates/verify; the QR code on a certificate opens this page filled in.

const $ = (id) => document.getElementById(id);

const VERDICTS = {
  valid: ["有效：该生育服务登记证明真实有效。", "verdict-valid"],
  revoked: ["已作废：该证明对应的申请已撤回，证明不再有效。", "verdict-invalid"],
  replaced: ["已作废：该证明已被补发的新证明替换，请以新证明为准。", "verdict-invalid"],
};
const UNKNOWN = ["未能核验：证明编号或核验码不正确。请核对后重试。", "verdict-invalid"];

function show(answer) {
  const [text, className] = (answer.status && VERDICTS[answer.status]) || UNKNOWN;
  const verdict = $("verify-verdict");
  verdict.textContent = text;
  verdict.className = `verdict ${className}`;
  $("verify-result").dataset.valid = String(answer.valid);
  $("verify-holder").textContent = answer.holder_name_masked || "—";
  $("verify-issued").textContent = answer.issued_on || "—";
  $("verify-result").hidden = false;
}

async function verify(event) {
  if (event) event.preventDefault();
  const error = $("verify-error");
  error.textContent = "";
  const certificateNo = $("verify-no").value.trim();
  const code = $("verify-code").value.trim();
  if (!certificateNo || !code) {
    error.textContent = "请输入证明编号和核验码。";
    return;
  }
  $("verify-submit").disabled = true;
  try {
    const query = new URLSearchParams({ certificate_no: certificateNo, code });
    const response = await fetch(`/v1/certificates/verify?${query}`);
    if (response.status === 429) {
      const wait = response.headers.get("Retry-After") || "60";
      error.textContent = `核验次数过多，请在 ${wait} 秒后再试。`;
      return;
    }
    if (!response.ok) {
      error.textContent = "请检查输入的证明编号和核验码。";
      return;
    }
    show(await response.json());
  } catch (failure) {
    error.textContent = "无法连接服务器，请稍后再试。";
  } finally {
    $("verify-submit").disabled = false;
  }
}

function start() {
  $("verify-form").addEventListener("submit", verify);
  const query = new URLSearchParams(location.search);
  $("verify-no").value = query.get("certificate_no") || "";
  $("verify-code").value = query.get("code") || "";
  if ($("verify-no").value && $("verify-code").value) verify();
}

start();
