// common.js: what the exam pages share: their strings (zh-CN and
// English) and small formatters.
import { messages, t } from "/js/i18n.js";

messages({
  en: {
    "x.title": "Exam", "x.loading": "Loading…", "x.past": "Your sittings",
    "x.hello": "Hello {name}", "x.rules": "{items} customers will write to you during the next {minutes} minutes, up to {concurrency} at once. Answer each quickly and resolve it by the after-sales standard; the customers are the same for every candidate.",
    "x.gates": "To pass:", "x.start": "Start the exam", "x.noinvite": "This token has no exam: ask your trainer for your link.",
    "x.norun": "The exam server is not running a session now: ask your trainer.", "x.going": "A sitting is going:",
    "x.continue": "Continue", "x.card": "Report card", "x.started": "Started", "x.result": "Result",
    "x.interrupted": "interrupted by a server stop: no card, not counted; you may start again",
    "g.mean_score": "mean score at least {limit}", "g.no_hard_fail": "no hard fail", "g.reply_rate_3min": "at least {pct} of replies within 3 minutes",
    "g.first_response_avg": "first response on average within {limit} s", "g.must_escalate": "escalate every case that must be escalated ({limit})",
    "g.must_escalate_any": "escalate every case that must be escalated",
    "c.title": "Report card", "c.print": "Print", "c.gates": "The pass rule", "c.dims": "By rubric dimension", "c.items": "Each customer",
    "c.passed": "PASSED", "c.failed": "NOT PASSED", "c.score": "score", "c.band": "band", "c.exam": "exam", "c.version": "version",
    "c.met": "met", "c.missed": "missed", "c.value": "value", "c.limit": "limit", "c.gate": "gate",
    "c.case": "case", "c.correct": "correct", "c.wrong": "not correct", "c.hard": "HARD FAIL", "c.notreached": "never reached: 0 points",
    "c.escalated": "escalated", "c.said": "What the customer said", "c.lost": "Where points were lost",
    "c.auto": "automatic: {score}", "c.review": "reviewed by {by}: {reason}", "c.reviewed": "{n} conversations reviewed; before review: {score}",
    "c.doreview": "Review", "c.reason": "reason", "c.save": "Save review", "c.ended": "The sitting is over.",
    "d.timeliness": "timeliness", "d.resolution": "resolution", "d.compliance": "compliance", "d.communication": "communication", "d.efficiency": "efficiency",
    "k.title": "Cohort", "k.cohort": "cohort", "k.show": "Show", "k.pickone": "Pick a cohort.", "k.board": "Leaderboard",
    "k.dist": "Score distribution", "k.items": "Item analysis", "k.n": "candidates", "k.pass": "pass rate", "k.training": "training_pass_rate",
    "k.alpha": "Cronbach's α", "k.mean": "mean score", "k.kappa": "review agreement (Cohen's κ)", "k.difficulty": "difficulty", "k.discrimination": "discrimination",
    "k.name": "candidate", "k.passed": "passed", "k.sittings": "sittings", "k.none": "no sittings yet",
  },
  "zh-CN": {
    "x.title": "考试", "x.loading": "加载中…", "x.past": "你的考试记录",
    "x.hello": "你好，{name}", "x.rules": "接下来 {minutes} 分钟内会有 {items} 位顾客找你咨询，最多同时 {concurrency} 位。请及时回复，并按售后标准处理；每位考生遇到的顾客都相同。",
    "x.gates": "通过条件：", "x.start": "开始考试", "x.noinvite": "该令牌没有考试，请向培训师索取链接。",
    "x.norun": "考试服务器当前没有运行的场次，请联系培训师。", "x.going": "考试进行中：",
    "x.continue": "继续", "x.card": "成绩单", "x.started": "开始", "x.result": "结果",
    "x.interrupted": "因服务器停止而中断：无成绩、不计入，可重新开始",
    "g.mean_score": "平均分不低于 {limit}", "g.no_hard_fail": "无一票否决项", "g.reply_rate_3min": "3 分钟回复率不低于 {pct}",
    "g.first_response_avg": "平均首次响应不超过 {limit} 秒", "g.must_escalate": "必须升级的情况全部升级（{limit} 个）",
    "g.must_escalate_any": "必须升级的情况全部升级",
    "c.title": "成绩单", "c.print": "打印", "c.gates": "通过条件", "c.dims": "各维度得分", "c.items": "逐位顾客",
    "c.passed": "通过", "c.failed": "未通过", "c.score": "得分", "c.band": "等级", "c.exam": "考试", "c.version": "版本",
    "c.met": "达到", "c.missed": "未达到", "c.value": "实际", "c.limit": "要求", "c.gate": "条件",
    "c.case": "情形", "c.correct": "处理正确", "c.wrong": "处理不正确", "c.hard": "一票否决", "c.notreached": "未接待：0 分",
    "c.escalated": "已升级", "c.said": "顾客说了什么", "c.lost": "扣分明细",
    "c.auto": "自动评分：{score}", "c.review": "{by} 复核：{reason}", "c.reviewed": "已复核 {n} 个会话；复核前：{score}",
    "c.doreview": "复核", "c.reason": "理由", "c.save": "保存复核", "c.ended": "考试已结束。",
    "d.timeliness": "及时性", "d.resolution": "解决方案", "d.compliance": "合规", "d.communication": "沟通", "d.efficiency": "效率",
    "k.title": "考生批次", "k.cohort": "批次", "k.show": "查看", "k.pickone": "请选择批次。", "k.board": "排行榜",
    "k.dist": "分数分布", "k.items": "题目分析", "k.n": "考生人数", "k.pass": "通过率", "k.training": "training_pass_rate（培训达标率）",
    "k.alpha": "Cronbach's α 信度", "k.mean": "平均分", "k.kappa": "复核一致性（Cohen's κ）", "k.difficulty": "难度", "k.discrimination": "区分度",
    "k.name": "考生", "k.passed": "通过", "k.sittings": "考试次数", "k.none": "尚无考试记录",
  },
});

export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data")) e.setAttribute(k.replace(/[A-Z]/g, (m) => "-" + m.toLowerCase()), v);
    else e[k] = v;
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

export function pct(v) {
  return (100 * v).toFixed(1).replace(/\.0$/, "") + " %";
}

// gateText says a gate of the pass rule in words.
export function gateText(g) {
  // Before the sitting the must_escalate gate comes without its count.
  const key = g.name === "must_escalate" && !g.limit ? "g.must_escalate_any" : "g." + g.name;
  return t(key, { limit: g.limit, pct: pct(g.limit) });
}

export function fmtValue(g) {
  switch (g.unit) {
    case "share": return pct(g.value);
    case "seconds": return g.value.toFixed(1) + " s";
    default: return String(g.value);
  }
}
