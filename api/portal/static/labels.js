// Chinese names of the codes the API answers with.

export const PURPOSES = {
  "household-registration": "户籍登记",
  "birth-registration": "出生登记",
  "maternal-care": "孕产妇保健",
  "birth-service": "生育服务登记",
  "marriage-registration": "婚姻登记",
  crosscheck: "信息比对",
  statistics: "统计分析",
  audit: "审计",
  "citizen-request": "群众申请",
};

export const DEPARTMENTS = {
  maternal_health: "妇幼保健",
  public_security: "公安户籍",
  civil_affairs: "民政婚姻登记",
  health_commission: "卫生健康委",
  auditor: "审计",
  admin: "系统管理",
};

export const ROLES = {
  clerk: "办事员",
  reviewer: "审核员",
  supervisor: "主管",
  auditor: "审计员",
  admin: "管理员",
};

export const ACTIONS = {
  lookup: "按证件号查询",
  read: "查看",
  list: "列表查询",
  create: "新建",
  update: "更正",
  void: "作废",
  history: "查看历史",
  "access-log": "查看访问记录",
  import: "批量导入",
  export: "导出",
  resolve: "处理",
  open: "发现问题",
  reopen: "重新打开",
  close: "自动关闭",
  issue: "发证",
  correction: "退回补正",
  resubmit: "补正后重新提交",
  reject: "不予登记",
  withdraw: "撤回",
  reissue: "补发证明",
  verify: "证明核验",
  "certificate-pdf": "下载证明",
  "certificate-jws": "下载电子证明",
};

export const APPLICATION_STATUSES = {
  submitted: "已提交待审核",
  needs_correction: "待补正",
  issued: "已发证",
  rejected: "不予登记",
  withdrawn: "已撤回",
};

export const CHANNELS = { online: "网上办理", counter: "窗口办理" };

export const CHECK_RESULTS = { pass: "通过", fail: "不一致", unavailable: "无记录" };

export const OUTCOMES = { success: "成功", denied: "拒绝" };

export const SEXES = { male: "男", female: "女", unknown: "未知" };

export const MARITAL_STATUSES = {
  10: "未婚",
  20: "已婚",
  21: "初婚",
  22: "再婚",
  23: "复婚",
  30: "丧偶",
  40: "离婚",
  90: "未说明",
};

export const PERSON_STATUSES = {
  active: "正常",
  deceased: "死亡",
  emigrated: "迁出",
  cancelled: "注销",
};

export const DISCREPANCY_TYPES = {
  BIRTH_NOT_REGISTERED: "出生未登记户口",
  REGISTRATION_WITHOUT_BIRTH_RECORD: "户籍出生登记无出生医学证明",
  ATTRIBUTE_MISMATCH: "出生医学证明与户籍登记信息不一致",
  DUPLICATE_BIRTH_RECORD: "出生医学证明重复",
  DUPLICATE_PERSON: "人员信息重复",
  MARITAL_STATUS_MISMATCH: "婚姻状况与婚姻登记不符",
};

export const DISCREPANCY_STATUSES = { open: "待处理", reopened: "重新打开", resolved: "已处理" };

export const RESOLUTIONS = {
  fixed: "已更正",
  confirmed_correct: "经核实无误",
  merged: "已合并",
  not_applicable: "不适用",
};

// The record fields a discrepancy may name as disagreeing.
export const FIELDS = {
  certificate_no: "出生医学证明编号",
  child_sex: "性别",
  child_name: "姓名",
  birth_date: "出生日期",
  mother_id_number: "母亲身份证号",
  father_id_number: "父亲身份证号",
  id_number: "身份证号",
  name: "姓名",
  sex: "性别",
  marital_status: "婚姻状况",
  household_region: "户籍地",
};

export function label(table, code) {
  if (code === null || code === undefined || code === "") return "—";
  return table[code] || String(code);
}

// "2026-03-01T08:30:00+08:00" -> "2026-03-01 08:30" (the API already answers in Beijing time).
export function shownInstant(value) {
  if (!value) return "—";
  return String(value).replace("T", " ").slice(0, 16);
}
