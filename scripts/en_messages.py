"""English for every Chinese msgid: `python scripts/en_messages.py` refreshes core/translations.

Extracts the catalogue with pybabel, fills the English .po from EN below (a msgid missing
here is reported and falls back to Chinese) and compiles the .mo.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EN = {
"": "",
"邮箱或密码不正确，或账户已被暂时锁定。": "Wrong e-mail or password, or the account is temporarily locked.",
"该企业不在您的管辖区域内。": "This enterprise is outside your region.",
# accounts: the second login step, enrolment, recovery codes, account and admin pages
"当前密码不正确。": "The current password is wrong.",
"密码已修改，其他设备上的登录已全部退出。": "Password changed; you were logged out everywhere else.",
"验证码不正确或已使用过。": "The code is wrong or was used already.",
"账户已停用，其所有登录已退出。": "Account deactivated; all its sessions were ended.",
"账户已启用。": "Account activated.",
"该用户的所有登录已退出。": "All sessions of this user were ended.",
"两步验证已重置，该用户下次登录时重新设置。": "Two-step verification reset; the user sets it up again at the next login.",
"API 密钥已撤销。": "API key revoked.",
"账户已被暂时锁定，请稍后重新登录。": "The account is temporarily locked; log in again later.",
"已使用一个恢复码，还剩 %(n)s 个。": "One recovery code used; %(n)s left.",
"验证码不正确，请核对手机时间后重试。": "Wrong code; check the time on your phone and try again.",
"两步验证二维码": "Two-step verification QR code",
"两步验证已启用。": "Two-step verification is on.",
"账户安全": "Account security", "用户管理": "Users", "上次登录": "Last login",
"两步验证": "Two-step verification", "已启用（%(date)s 起）": "On (since %(date)s)",
"剩余恢复码 %(n)s 个": "%(n)s recovery codes left", "未启用": "Off",
"启用两步验证": "Turn on two-step verification", "生成新的恢复码": "New recovery codes",
"原有的恢复码将全部失效。": "The old recovery codes stop working.",
"应用显示的验证码": "Code shown by the app", "修改密码": "Change password",
"修改后，其他设备上的登录将全部退出。": "Afterwards you are logged out on every other device.",
"当前密码": "Current password", "新密码（至少 10 个字符）": "New password (at least 10 characters)",
"再次输入新密码": "New password again", "两次输入的新密码不一致。": "The new passwords differ.",
"用户": "Users", "角色": "Role", "在线会话": "Open sessions", "操作": "Actions",
"管理员": "Administrator", "监管人员": "Regulator", "启用": "Activate", "已停用": "Deactivated",
"已启用": "On", "停用": "Deactivate", "退出所有登录": "End all sessions",
"重置两步验证": "Reset two-step verification", "API 密钥": "API keys", "名称": "Name",
"密钥前缀": "Key prefix", "权限范围": "Scopes", "创建时间": "Created",
"已撤销（%(date)s）": "Revoked (%(date)s)", "撤销": "Revoke",
"请输入身份验证器应用中显示的 6 位验证码。手机不在身边时，可以输入一个恢复码（每个恢复码只能使用一次）。": "Enter the 6-digit code your authenticator app shows. Without your phone, enter a recovery code instead (each works once).",
"验证码或恢复码": "Code or recovery code", "验证": "Verify", "重新登录": "Log in again",
"设置两步验证": "Set up two-step verification",
"监管账户需要第二重验证。请在手机上安装身份验证器应用（支持 TOTP 的任一应用），扫描下面的二维码，然后输入应用显示的 6 位验证码完成设置。": "Regulator accounts need a second factor. Install an authenticator app (any app supporting TOTP) on your phone, scan the QR code below, then enter the 6-digit code the app shows.",
"无法扫码时，请在应用中手动输入以下密钥（基于时间，30 秒，6 位）：": "If you cannot scan, type this key into the app (time-based, 30 seconds, 6 digits):",
"完成设置": "Finish set-up", "恢复码": "Recovery codes",
"请打印或抄下这些恢复码，妥善保管。手机丢失时，每个恢复码可代替验证码登录一次。恢复码只显示这一次。": "Print or write down these recovery codes and keep them safe. Without your phone, each one replaces a code for one login. They are shown only this once.",
"恢复码已经显示过，不会再次显示。如已遗失，请在账户安全页面生成新的恢复码。": "The recovery codes were shown already and are not shown again. If you lost them, make new ones on the account security page.",
"继续": "Continue", "您尚未启用两步验证。": "Two-step verification is not on yet.",
"检查计划已生成。": "Inspection plan created.",
"未找到": "Not found",
"调整申请已提交，等待另一名监管人员审批。": "Adjustment proposed; another regulator must approve it.",
"已处理调整申请。": "Adjustment decided.",
"请填写处理意见。": "Please write a decision.",
"已答复异议。": "Objection answered.",
"已处理信用修复申请。": "Credit repair application decided.",
"提交未成功，请稍后重试。": "Could not submit; please try again later.",
"补充信息已提交。": "Additional information submitted.",
"已申请重新处理，监管部门将作出答复。": "Reopening requested; the regulator will reply.",
"提交过于频繁：为防止滥用，同一网络每小时可提交的举报数量有限。请在 %(n)s 分钟后再试，您填写的内容仍保留在下方；情况紧急请拨打 12369 环保举报热线。": "Too many reports from this network: to prevent abuse, each network may file only a limited number per hour. Please try again in %(n)s minutes; what you typed is kept below. If it is urgent, call the 12369 environmental hotline.",
"查询过于频繁，请在 %(n)s 分钟后再试。": "Too many look-ups; please try again in %(n)s minutes.",
"收到": "Received", "办结": "Closed",
"近 12 个月举报收到与办结数量": "Tip-offs received and closed in the last 12 months",
"规则": "Rule", "分值": "Points", "依据记录": "Source record", "无扣分记录": "No deductions",
"企业名称、拼音、统一社会信用代码、许可证号、处罚文号或关键词": "Company name, pinyin, USCC, permit or decision number, or keywords",
"类型": "Type", "全部": "All", "企业": "Enterprise", "行政处罚": "Administrative penalty",
"排序": "Sort", "相关度": "Relevance", "日期": "Date", "搜索": "Search",
"企业环境信用公示": "Enterprise environmental credit",
"企业环境信用公示平台": "Enterprise Environmental Credit Disclosure",
"语言": "Language",
"数据来源：生态环境主管部门依法公开的行政许可、行政处罚、现场检查和企业环境信息依法披露记录。": "Sources: licences, penalties, inspections and mandatory environmental disclosures published by the environmental authorities.",
"开放数据接口": "Open data API",
"异议": "Objection", "信用修复申请": "Credit repair application",
"请保存本页地址以便查询进度。": "Keep this page's address to follow the progress.",
"状态": "Status", "处理中": "In progress", "异议成立": "Upheld", "未予支持": "Not upheld",
"准予修复": "Repair approved", "提交时间": "Submitted", "答复期限": "Reply due",
"答复时间": "Answered", "处理意见": "Decision",
"统一社会信用代码": "Unified social credit code (USCC)", "曾用名": "Former names",
"法定代表人": "Legal representative", "地区": "Region", "行业": "Industry", "地址": "Address",
"排污许可管理类别": "Permit category", "重点管理": "Key management",
"简化管理": "Simplified management", "登记管理": "Registration only",
"环保码：扫码查看本页": "Scan to open this page",
"环境信用等级": "Environmental credit level", "得分": "Score",
"按规则计算的等级": "Computed level", "监管部门已调整": "adjusted by the regulator",
"评价日期": "Rated on", "为什么是这个等级": "Why this level",
"信用等级历史": "Level history", "尚未评价。": "Not rated yet.",
"对记录或评价结果有异议？提出异议": "Something wrong? File an objection",
"举报该企业的污染行为": "Report pollution by this enterprise",
"罚款": "Fine", "元": "CNY", "无公示中的行政处罚。": "No published penalties.",
"现场检查": "Inspections", "检查机关": "Agency", "结果": "Outcome", "发现问题": "Findings",
"日常检查": "Routine", "双随机抽查": "Random (双随机)", "举报核查": "Complaint check",
"专项检查": "Special", "未发现问题": "Compliant", "拒绝检查": "Refused inspection",
"暂无": "None", "排污许可": "Discharge permits", "许可证编号": "Permit number",
"有效期": "Valid", "许可排放量（吨/年）": "Permitted amounts (t/year)",
"已撤销": "Revoked", "已过期": "Expired", "有效": "Valid",
"排放量核算": "Emission accounts",
"排放量 = 产生量 ×（1 − 治理效率 × 运行率）": "emitted = generated × (1 − efficiency × operating rate)",
"年度": "Year", "污染物": "Pollutant", "产生量（吨）": "Generated (t)",
"排放量（吨）": "Emitted (t)",
"环境信息依法披露年度报告": "Annual environmental disclosure reports",
"提交日期": "Submitted", "报告": "Report", "查看": "View", "本页地址": "This page",
"返回首页": "Back to the home page", "企业环境信用": "Enterprise environmental credit",
"企业名录": "Enterprises", "信用等级": "Credit level", "未评价": "Not rated",
"下一页": "Next page", "暂无企业。": "No enterprises yet.", "提出异议": "File an objection",
"监管部门将在 10 个工作日内答复。异议成立的，相关记录将被更正或撤回，信用等级随之重新计算。": "The regulator answers within 10 working days. If the objection is upheld the record is corrected or withdrawn and the rating recalculated.",
"提交": "Submit", "行政处罚决定": "Penalty decision",
"行政相对人名称": "Party", "违法行为类型": "Violation", "违法事实": "Facts",
"处罚依据": "Legal basis", "处罚类别": "Penalty kinds", "处罚内容": "Penalty",
"罚款金额（万元）": "Fine (10,000 CNY)",
"没收违法所得、没收非法财物的金额（万元）": "Confiscated (10,000 CNY)",
"暂扣或吊销证照名称及编号": "Licence suspended or revoked",
"处罚决定日期": "Decision date", "公示截止期": "Published until", "处罚机关": "Authority",
"数据来源单位": "Data source", "备注": "Remarks", "信用修复": "Credit repair",
"申请信用修复": "Apply for credit repair",
"最短公示期满后（%(day)s 起）可申请信用修复。": "Credit repair can be applied for after the minimum publication period (from %(day)s).",
"该处罚不适用信用修复，公示期满后自动停止公示。": "This penalty cannot be repaired; it stops being published when its period ends.",
"可申请日期": "Eligible from",
"需已纠正违法行为并作出公开信用承诺。监管部门将在 10 个工作日内反馈；准予修复后即停止公示。": "The violation must be corrected and a public credit commitment made. The regulator replies within 10 working days; once approved the penalty is no longer published.",
"提交申请": "Apply", "筛选": "Filters", "行业门类": "Industry section",
"处罚年份": "Penalty year", "共 %(n)s 条结果": "%(n)s results",
"没有找到结果。可以试试拼音、简称或统一社会信用代码。": "Nothing found. Try pinyin, a short name or the USCC.",
"上一页": "Previous page", "公开统计": "Public statistics", "月份": "Month",
"举报办理": "Tip-off handling", "按期办结": "Closed on time", "按期办结率": "On-time rate",
"本月暂无": "None this month", "举报类别": "Category",
"企业环境信用等级（当前）": "Current credit levels", "按等级": "By level", "等级": "Level",
"企业数": "Enterprises", "按地区": "By region", "合计": "Total",
"以 JSON 格式获取本页数据": "This page's data as JSON", "监管功能": "Regulator menu",
"工作台": "Dashboard", "待办事项": "Cases", "举报处理": "Tip-offs",
"双随机检查计划": "Random inspection plans", "规则模拟": "Rulebook simulation",
"查看信用档案": "Open credit file", "退出登录": "Log out",
"待审批的等级调整": "Adjustments awaiting approval", "批准": "Approve", "驳回": "Reject",
"等待其他监管人员审批": "Awaiting another regulator", "待答复的异议": "Open objections",
"异议不成立": "Not upheld", "待处理的信用修复申请": "Pending credit repair applications",
"不予修复": "Refuse repair", "监管工作台": "Regulator dashboard", "管辖区域": "Region",
"信用档案": "Credit file", "公开页面": "Public page", "计算等级": "Computed level",
"评分说明": "Explanation", "等级调整": "Adjustments", "调整": "Change", "理由": "Reason",
"有效期至": "Expires", "提出调整": "Propose an adjustment",
"提交调整申请": "Submit proposal", "评价历史": "Rating history", "规则版本": "Rulebook",
"监管人员登录": "Regulator login", "邮箱": "E-mail", "密码": "Password", "登录": "Log in",
"检查计划": "Inspection plan", "种子": "Seed", "抽取时等级": "Level when drawn",
"按信用等级加权随机抽取：黑、红 ×4，黄 ×2，蓝 ×1，绿 ×0.5；未评价按蓝计。相同种子得到相同结果。": "Random draw weighted by credit level: black and red ×4, yellow ×2, blue ×1, green ×0.5; unrated count as blue. The same seed gives the same draw.",
"抽取": "Draw", "已保存的计划": "Saved plans", "数量": "Count", "生成时间": "Created",
"规则模拟：等级变化矩阵": "Rulebook simulation: level transitions",
"候选规则": "Candidate rulebook", "模拟": "Simulate", "行：现行规则": "Rows: active rulebook",
"列：候选规则": "Columns: candidate rulebook", "现行 \\ 候选": "active \\ candidate",
"举报": "Tip-off", "返回举报列表": "Back to the queue", "已超期": "Overdue",
"未定级": "Unclassified", "发生地点": "Location", "被举报企业": "Enterprise reported",
"收到时间": "Received", "受理决定期限": "Acceptance due", "办结期限": "Closure due",
"已延期": "Extended", "承办人": "Assigned to", "有奖举报": "Reward", "符合": "Eligible",
"未认定": "Not decided", "合并到": "Merged into", "合并进来的举报": "Merged duplicates",
"办理结果（公开）": "Outcome (public)", "属实": "Substantiated", "不属实": "Not substantiated",
"举报人（仅办理部门可见，不得公开或告知被举报企业）": "Reporter (visible to the handling office only; never to be published or told to the enterprise)",
"匿名举报": "Anonymous", "姓名": "Name", "电话": "Phone", "问题描述": "Description",
"附件": "Attachments", "办理过程": "Timeline", "内部": "Internal", "办理": "Handle",
"受理": "Accept", "内部备注（可选）": "Internal note (optional)", "不予受理": "Reject",
"不予受理理由（举报人可见）": "Reason for rejection (the reporter sees it)",
"交办": "Assign", "开始调查": "Start investigating", "定级": "Classify",
"延长办理期限（只能一次）": "Extend the deadline (once only)",
"延长天数（1–%(n)s）": "Days (1–%(n)s)", "延期理由（举报人可见）": "Reason (the reporter sees it)",
"办理结果（公开，请勿写入举报人信息）": "Outcome (public: do not mention the reporter)",
"是否属实": "Substantiated?", "属实（计入企业信用记录）": "Yes (counts in the enterprise's credit file)",
"不属实或无法查实": "No, or could not be verified", "合并为重复举报": "Merge as a duplicate",
"原举报的查询码或编号": "Tracking code or number of the original",
"更新有奖举报认定": "Update reward eligibility", "不符合": "Not eligible",
"答复重新处理申请": "Answer the reopening request",
"举报人申请重新处理": "The reporter asked to reopen", "重新处理": "Reopen",
"维持原结果": "Keep the outcome", "答复（举报人可见）": "Reply (the reporter sees it)",
"举报环境污染": "Report pollution",
"24 小时受理。提交后您将获得查询码和密钥，凭此查看办理进度：受理决定在 15 日内作出，办结期限为 60 日（可依法延长一次，最长 30 日）。": "Open 24 hours. After submitting you get a tracking code and a secret to follow progress: acceptance is decided within 15 days and the case closed within 60 (extendable once by up to 30 days).",
"问题描述（10–4000 字）": "What is happening (10–4000 characters)",
"所在地区（填写了被举报企业时可不选）": "Region (not needed when you name the enterprise)",
"请选择": "Choose", "纬度（可选）": "Latitude (optional)", "经度（可选）": "Longitude (optional)",
"被举报企业名称或统一社会信用代码（可选）": "Enterprise name or USCC (optional)",
"照片或 PDF（最多 %(n)s 个，每个不超过 10 MB；照片中的位置等信息会在保存前删除）": "Photos or PDFs (up to %(n)s, 10 MB each; location and other metadata are removed from photos before storage)",
"举报方式": "How to report", "实名举报": "With my name",
"谁能看到您的身份：匿名举报时，我们不记录您的姓名和联系方式。实名举报时，您的姓名和联系方式只有负责处理本举报的属地生态环境部门工作人员可以看到，用于核实情况和答复您；不会出现在任何公开页面、开放数据接口或数据导出中，也不会告知被举报企业。": "Who sees your identity: for an anonymous report we record no name or contact. For a named report, only the staff of the local environmental office handling it can see your name and contact, to check facts and reply to you; they never appear on public pages, in the open data API or exports, and are never told to the enterprise.",
"姓名（实名举报填写）": "Name (for a named report)",
"电话（实名举报时电话或邮箱至少填一项）": "Phone (a named report needs a phone or an e-mail)",
"请勿填写此项": "Leave this empty", "提交举报": "Submit the report",
"已经举报过？查询办理进度": "Reported already? Track it", "期限最近在前": "Deadline first",
"最新在前": "Newest first", "最早在前": "Oldest first", "等级最高在前": "Most serious first",
"只看超期": "Overdue only", "只看申请重新处理": "Reopen requests only",
"共 %(n)s 件": "%(n)s cases", "查询码": "Tracking code", "类别": "Category",
"地点 / 企业": "Place / enterprise", "期限": "Deadline", "已合并": "Merged",
"申请重新处理": "Ask to reopen", "举报回执": "Tip-off receipt",
"举报已收到。请打印本页或抄下查询码和密钥：密钥只显示这一次，我们不保存它的明文，丢失后无法找回。": "Your report was received. Print this page or write down the tracking code and secret: the secret is shown only this once; we do not keep it and cannot recover it.",
"密钥": "Secret", "收到日期": "Received on", "匿名": "Anonymous",
"实名（身份仅对办理部门可见）": "Named (identity visible to the handling office only)",
"查询进度：打开 %(url)s，输入查询码和密钥。": "To track it, open %(url)s and enter the code and secret.",
"查询办理进度": "Track progress", "举报办理进度": "Tip-off progress",
"您的举报与同一问题的另一件举报合并办理，以下为合并后的办理进度。": "Your report is handled together with another report of the same problem; this is the combined progress.",
"不予受理理由": "Reason for rejection", "办理结果": "Outcome", "经查属实": "Substantiated",
"经查不属实或无法查实": "Not substantiated or could not be verified",
"符合有奖举报条件，办理部门将与实名举报人联系。": "Eligible for a reward; the office will contact the named reporter.",
"举报人": "Reporter", "办理部门": "Office", "系统": "System", "补充信息": "Add information",
"补充内容": "Additional information",
"补充照片或 PDF（每件举报合计最多 %(n)s 个）": "More photos or PDFs (at most %(n)s per report in total)",
"提交补充信息": "Submit", "对办理结果有异议或问题仍然存在，请说明理由": "Disagree with the outcome or the problem persists? Tell us why",
"您已申请重新处理，请等待办理部门答复。": "You asked to reopen; please wait for the office's reply.",
"查询举报进度": "Track a tip-off", "查询": "Track", "我要举报": "Report pollution",
"环保诚信企业": "Environmentally trustworthy", "环保良好企业": "Environmentally good",
"环保警示企业": "Environmental warning", "环保不良企业": "Environmentally poor",
"环保严重失信企业": "Seriously untrustworthy", "依法披露": "Disclosure report",
"排放核算": "Emission account",
"行政处罚公示": "Penalty notices", "订阅 Atom": "Subscribe (Atom)", "栏目": "Sections",
"待分派": "Awaiting triage", "确定办理地区": "Set the handling region",
"办理地区（6 位行政区划代码，如 620102）": "Handling region (6-digit GB/T 2260 code, e.g. 620102)",
}


def main() -> int:
    """Refresh the catalogue; with --check, only report missing English (writes nothing)."""
    import tempfile

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    check = "--check" in sys.argv
    pot = (Path(tempfile.mkdtemp()) if check else ROOT / "core" / "translations") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "core/translations/babel.cfg"), "-k", "_", "-k", "gettext",
                    "--no-location", "--omit-header", "-o", str(pot), "core", "credit",
                    "search", "disclosure", "openapi"], cwd=ROOT, check=True,
                   capture_output=True)
    with pot.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    missing = []
    for message in catalog:
        if message.id:
            message.string = EN.get(message.id, "")
            if not message.string:
                missing.append(message.id)
    for msgid in missing:
        print(f"missing English: {msgid!r}")
    if check:
        with (ROOT / "core/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
            compiled = {m.id for m in read_po(fh) if m.id and m.string}
        stale = [m.id for m in catalog if m.id and m.id not in compiled]
        for msgid in stale:
            print(f"not in the committed catalogue (run scripts/en_messages.py): {msgid!r}")
        return 1 if missing or stale else 0
    target = ROOT / "core" / "translations" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.po").open("wb") as fh:
        write_po(fh, catalog, omit_header=False, width=100)
    with (target / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
