"""The console's two languages. Templates write English and call `t("...")`; Chinese comes
from `ZH`. A test checks that every text the templates and pages use has its Chinese."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh", "en")

ZH: dict[str, str] = {
    # layout and navigation
    "Front Desk": "前台", "Staff console": "员工控制台", "Live board": "实时看板", "Calls": "通话",
    "Messages": "留言", "Visitors": "访客", "Statistics": "统计", "NLU review": "语义复核",
    "Organisation": "组织机构", "Hours & duty": "营业时间与值班", "Staff list": "员工名单", "Users": "用户",
    "Audit log": "审计日志", "Sign in": "登录", "Sign out": "退出", "User name": "用户名", "Password": "密码",
    "Error": "出错", "Something is not right": "出了点问题", "Go back, or return to the live board.": "请返回，或回到实时看板。",
    "Wrong user name or password.": "用户名或密码错误。",
    "Too many failed attempts: this account is locked for a while.": "失败次数过多，该账号已暂时锁定。",
    "The sign-in form expired. Please try again.": "登录页已过期，请重试。",
    "Too many sign-in attempts from this address. Please wait a moment and try again.":
        "此地址登录尝试次数过多，请稍候再试。",
    # roles
    "operator": "接线员", "supervisor": "主管", "admin": "管理员",
    # board
    "Office": "办公室", "Open": "营业中", "Closed": "已下班", "On duty today": "今日值班", "Duty line": "值班电话",
    "Open messages": "未处理留言", "flagged to the operator": "条已报告接线员", "Visitors waiting": "等候中的访客",
    "today": "今天", "Calls in progress": "进行中的通话", "updated": "更新于", "Started": "开始", "Channel": "渠道",
    "Caller": "来电人", "Duration": "时长", "Turns": "轮次", "View": "查看", "unknown number": "未知号码",
    "No calls at the moment.": "目前没有通话。", "Staff presence": "员工状态", "Presence": "状态", "Save": "保存",
    "No organisation has been imported yet.": "尚未导入组织机构。",
    "Wake-up calls not answered": "无人应答的叫醒服务", "last 24 hours": "最近24小时",
    "For the operator": "转人工的来电", "Wanted": "要找",
    "Not saved: the organisation changed while you were editing (someone saved it or changed a presence). Your text is below; open the page again to start from the current organisation, then make your change there.":
        "未保存：您编辑期间组织机构已被修改（有人保存过，或改了员工状态）。您的文本保留在下方；请重新打开本页，在最新的组织机构上再做修改。",
    "available": "在岗", "busy": "忙碌", "in_meeting": "开会中", "away": "外出", "on_leave": "休假",
    "phone": "电话", "kiosk": "自助机", "chat": "文字",
    # calls
    "number or name": "号码或姓名", "Words said": "通话内容", "e.g. invoice": "例如：发票", "Outcome": "结果",
    "any": "全部", "From": "从", "To": "到", "Search": "搜索", "Clear": "清除", "calls": "个通话", "page": "第",
    "Transferred to": "转接至", "Satisfaction": "满意度", "Recording": "录音", "in progress": "进行中",
    "Newer": "较新", "Older": "较早", "No calls match.": "没有符合条件的通话。",
    "outcome_transferred": "已转接", "outcome_message": "已留言", "outcome_operator": "转人工",
    "outcome_answered": "已解答", "outcome_abandoned": "中途挂断", "outcome_in_progress": "进行中",
    "Call": "通话", "Conversation": "会话", "internal": "内线", "Ended": "结束", "Language": "语言",
    "No recording for this call.": "本通话没有录音。", "Transcript": "通话记录",
    "Transcripts and recordings are shown to supervisors.": "通话记录和录音仅对主管开放。",
    "Nothing was said in this call.": "本通话没有对话内容。", "caller": "来电人", "receptionist": "前台",
    "system": "系统", "Marked misunderstood": "已标记为误解", "Clear mark": "取消标记", "Correct intent": "正确意图",
    "correct intent…": "正确意图…", "Mark misunderstood": "标记为误解",
    "turns marked misunderstood": "条被标记为误解的话", "Export as Rasa NLU (YAML)": "导出为 Rasa NLU（YAML）",
    "Caller said": "来电人说", "Understood as": "识别为", "Marked by": "标记人", "not given": "未指定",
    "No turn is marked yet: open a call's transcript and mark what was misunderstood.":
        "还没有标记：打开通话记录，标记被误解的话。",
    # messages
    "open": "未处理", "new": "新留言", "notified": "已通知", "acknowledged": "已确认", "closed": "已关闭", "all": "全部",
    "Received": "收到时间", "For": "给", "Call back": "回电号码", "Message": "留言内容", "Status": "状态",
    "urgent": "紧急", "Overdue: nobody has acknowledged it.": "已超时：还没有人确认。",
    "Flagged to the operator at": "已报告接线员：", "Last delivery error:": "上次发送失败：", "e-mailed": "已发邮件",
    "Acknowledge": "确认", "Close": "关闭", "No messages here.": "这里没有留言。",
    # visitors
    "Visitors on": "访客登记", "Day": "日期", "Show": "显示", "Arrived": "到达", "Visitor": "访客", "Host": "受访人",
    "Purpose": "来访事由", "appointment": "有预约", "visit_waiting": "等候中", "visit_in": "已进入",
    "visit_left": "已离开", "Let in": "放行", "Check out": "离开登记", "Badge": "访客证",
    "No visitors that day.": "当天没有访客。", "Check a visitor in": "访客登记", "Name": "姓名", "Company": "单位",
    "People": "人员", "Departments": "部门", "Visitor's phone": "访客电话", "Has an appointment": "有预约", "Appointment time": "预约时间",
    "Check in": "登记", "Visitor badge": "访客证", "Print": "打印", "Back to visitors": "返回访客",
    # organisation
    "Saved. Calls use the new directory from now on.": "已保存。此后的来电使用新的通讯录。",
    "problem(s): nothing was stored.": "处问题：没有保存任何内容。", "Organisation file": "组织机构文件",
    "Download": "下载", "Check and save": "检查并保存",
    "The whole organisation as the organisation file (docs/organisation.md): departments, people, hours, holidays, duty roster and policy. It is checked exactly like `receptionist org import`.":
        "整个组织机构文件（见 docs/organisation.md）：部门、人员、营业时间、节假日、值班表和规则。检查方式与 `receptionist org import` 完全相同。",
    "Business hours": "营业时间", "HH:MM-HH:MM, or closed.": "格式 HH:MM-HH:MM，或 closed（休息）。",
    "After hours": "非营业时间", "Duty manager": "值班经理", "Holidays": "节假日", "One entry a line, e.g.": "每行一条，例如",
    "Duty roster": "值班表", "A date entry wins over a weekday entry, e.g.": "按日期的条目优先于按星期的条目，例如",
    "mon": "星期一", "tue": "星期二", "wed": "星期三", "thu": "星期四", "fri": "星期五", "sat": "星期六", "sun": "星期日",
    # staff list
    "Staff list applied.": "员工名单已应用。",
    "The directory changed since the preview: check the changes again, then confirm.": "预览后通讯录有变动：请再检查一遍，然后确认。",
    "Preview: what changes": "预览：将要变动的内容", "Added": "新增", "Changed": "修改", "Removed": "删除",
    "Unchanged": "未变", "Fields": "字段", "removed": "删除", "Apply these changes": "应用这些变动", "Cancel": "取消",
    "Import the monthly staff list (CSV)": "导入每月员工名单（CSV）",
    "Columns in English or Chinese; name and department are required. The list is the whole staff: people missing from it are removed. You see what changes before anything is stored.":
        "列名可用中文或英文；姓名和部门为必填。名单即全部员工：名单中没有的人会被删除。保存前会先显示变动。",
    "CSV file": "CSV 文件", "or paste it here": "或粘贴在这里", "Preview changes": "预览变动",
    # users and audit
    "Saved.": "已保存。", "Console users": "控制台用户", "Role": "角色", "locked until": "锁定至", "active": "启用",
    "Disable": "停用", "disabled": "已停用", "Enable": "启用账号", "new password": "新密码", "Set": "设置",
    "Add a user": "添加用户", "Add user": "添加",
    "Operators: live board, calls, messages, visitors, presence. Supervisors: also transcripts, recordings and statistics. Admins: also the directory, hours, users and the audit log.":
        "接线员：实时看板、通话、留言、访客、员工状态。主管：另可查看通话记录、录音和统计。管理员：另可管理通讯录、营业时间、用户和审计日志。",
    "Action": "操作", "When": "时间", "What": "对象", "Detail": "详情", "Nothing recorded.": "没有记录。",
    # statistics
    "Export CSV": "导出 CSV", "After-hours share": "非营业时间占比", "Median time to answer": "应答时间中位数",
    "to the receptionist's first words": "到前台开口的时间", "answers": "份回答", "Calls per day": "每日通话量",
    "Calls per hour of day": "各时段通话量", "Outcomes": "通话结果", "Transfer success by department": "各部门转接成功率",
    "No transfers in this period.": "此期间没有转接。", "Time to answer": "应答时间", "In business hours": "营业时间内",
    "Operator": "人工接线员", "Other": "其他",
    # hotel
    "Hotel": "酒店", "Guests in house": "在住客人", "Wake-up calls": "叫醒服务", "Rooms": "客房", "Stays import": "住客导入",
    "Checked out.": "已退房。", "name or room": "姓名或房号", "Room": "房号", "Guest": "客人", "Arrival": "到店日期",
    "Departure": "离店日期", "Flags": "标记", "do not disturb": "免打扰", "no calls": "谢绝来电", "Edit": "编辑",
    "Wake-up call": "叫醒", "No guest matches.": "没有符合条件的客人。", "No guests in house.": "目前没有在住客人。",
    "Stay": "住宿", "Not saved:": "未保存：", "stay_active": "在住", "stay_checked_out": "已退房",
    "Do not disturb: calls go to a message": "免打扰：来电转为留言",
    "No calls: callers are never told the guest is staying": "谢绝来电：不向来电人透露该客人是否入住",
    "The next import of the PMS export sets again what its columns give.": "下次导入 PMS 导出文件时，文件中有的列会重新覆盖这些设置。",
    "Check out now": "立即退房",
    "The guest has left: calls for them are no longer put through, and their wake-up calls are cancelled.":
        "客人已离店：此后不再为其转接来电，其叫醒服务一并取消。",
    "Checked out at": "退房时间", "Back to guests": "返回在住客人",
    "The room list comes from the PMS export: receptionist hotel rooms import FILE.":
        "客房列表来自 PMS 导出文件：receptionist hotel rooms import FILE。",
    "Extension": "分机", "Floor": "楼层", "vacant": "空房", "No rooms yet.": "还没有客房。",
    "Stays imported.": "住客已导入。", "Checked out": "退房", "checked out": "退房",
    "The stays changed since the preview: check the changes again, then confirm.": "预览后住客信息有变动：请再检查一遍，然后确认。",
    "Import the stays from the PMS export (CSV)": "从 PMS 导出文件导入住客（CSV）",
    "Columns in English or Chinese (docs/organisation.md, Hotels: rooms and stays). The file is every guest in house and expected: a stay it no longer lists is checked out. You see what changes before anything is stored.":
        "列名可用中文或英文（见 docs/organisation.md「Hotels: rooms and stays」）。文件即全部在住和预到客人：文件中不再列出的住客会被退房。保存前会先显示变动。",
    "Wake-up call booked.": "叫醒服务已预订。", "Wake-up call cancelled.": "叫醒服务已取消。",
    "Wake-up calls: today and upcoming": "叫醒服务：今天及以后", "Time": "时间", "Attempts": "拨打次数",
    "Last result": "上次结果", "Next attempt": "下次拨打",
    "Not answered after its retries: the front desk was alerted.": "重拨后仍无人接听：已通知前台。",
    "The alert message": "提醒留言", "No wake-up calls today or to come.": "今天及以后没有叫醒服务。",
    "Book a wake-up call": "预订叫醒服务", "Not booked:": "未预订：", "the guest's": "客人的语言",
    "HH:MM is the next time it comes, in the hotel's time zone.": "HH:MM 指酒店时区内下一个该时刻。", "Book": "预订",
    "Wake-up note": "叫醒附言", "Wake-up note saved.": "叫醒附言已保存。",
    "Said after the time to every guest woken, from the next call on: the weather, for example. Empty: nothing is added.":
        "报时之后对每位被叫醒的客人说的一句话（例如天气），从下一通叫醒电话起生效。留空则不加。",
    "wakeup_booked": "已预订", "wakeup_dialling": "拨打中", "wakeup_answered": "已接听", "wakeup_retry": "待重拨",
    "wakeup_failed": "无人应答", "wakeup_cancelled": "已取消",
    "result_answered": "已接听", "result_no_answer": "无人接听", "result_busy": "占线", "result_failed": "拨打失败",
    "result_checked_out": "客人已退房", "lang_zh": "中文", "lang_en": "英文",
    # hotline cases (工单)
    "Cases": "工单", "Case": "工单", "cases": "件工单", "Case number": "工单号", "Registered": "登记时间",
    "Matter": "诉求内容", "Category": "分类", "Department": "部门", "Deadline": "办理时限", "Overdue": "已超期",
    "Overdue only": "只看超期", "No cases match.": "没有符合条件的工单。",
    "You see the cases of your department:": "您只能看到本部门的工单：", "Done:": "已完成：", "Not done:": "未办理：",
    "Nothing was changed.": "工单未做任何更改。", "reminded": "已督办", "Reply": "答复", "History": "办理记录",
    "Who": "操作人", "Step": "环节", "Note": "备注", "Next steps": "可办理的环节",
    "Nothing to do here now.": "当前没有可办理的环节。",
    "Nothing for your department to do now.": "当前没有需要本部门办理的环节。", "Deadline (days)": "办理时限（天）",
    "The category's department and deadline are filled in.": "已按分类预填承办部门和办理时限。",
    "Why it is not your department's": "退单理由（为何不属本部门办理）", "The department's answer": "部门答复内容",
    "How the caller was told": "反馈方式", "The caller's satisfaction": "来电人满意度", "Note (optional)": "备注（可选）",
    "case_registered": "已登记", "case_classified": "已分类", "case_dispatched": "已派单", "case_in_progress": "办理中",
    "case_replied": "已答复", "case_fed_back": "已反馈", "case_closed": "已办结", "case_evaluated": "已回访评价",
    "step_register": "登记", "step_classify": "分类", "step_dispatch": "派单", "step_accept": "签收办理",
    "step_send_back": "退单", "step_reply": "答复", "step_feed_back": "反馈来电人", "step_close": "办结",
    "step_evaluate": "回访评价", "step_remind": "督办提醒",
    "feedback_callback": "回电", "feedback_sms": "短信", "feedback_phone_query": "来电查询", "feedback_visit": "上门",
    "none": "无", "Department user": "部门用户",
    "An operator with a department is a department user: they see only that department's cases and may accept, send back and reply to them.":
        "设置了部门的接线员即为部门用户：只能看到本部门的工单，并只能签收办理、退单和答复。",
    # caller-ID notes
    "Caller notes": "来电备注", "Caller note removed.": "来电备注已删除。", "Number": "号码", "Updated": "更新",
    "nuisance": "骚扰", "Remove": "删除", "No caller notes yet.": "还没有来电备注。", "Edit the note": "编辑备注",
    "Add a caller note": "添加来电备注", "VIP: pointed out on the live board": "VIP：在实时看板上提示",
    "Nuisance: never put through, offered a message": "骚扰号码：一律不转接，只提供留言",
    "A number is one number however it is written: +8613800138000, 13800138000 and 008613800138000 are the same. A known caller's name and company are not asked again.":
        "同一号码不论怎么写都算一个：+8613800138000、13800138000 和 008613800138000 是同一个号码。已备注来电人的姓名和单位不再询问。",
    # lobby announcements (广播)
    "Announcements": "广播通知", "Announcement": "广播", "Text": "内容", "Next": "下次播放",
    "Scheduled": "启用", "Switched off": "已停用", "Switch off": "停用", "Switch on": "启用",
    "The announcement is switched off.": "该广播已停用。", "The announcement is switched on.": "该广播已启用。",
    "both languages": "中英文各播一遍", "the kiosk's language": "按自助机当前语言",
    "No announcements yet.": "还没有广播。", "Edit the announcement": "编辑广播", "Add an announcement": "添加广播",
    "Chinese text": "中文内容", "English text": "英文内容", "Every week": "每周定时", "Once": "只播一次",
    "Times of day (HH:MM, comma between)": "播放时间（时:分，多个用逗号隔开）", "From (optional)": "开始日期（可选）",
    "Until (optional)": "结束日期（可选）", "Date and time": "日期和时间", "Times in a row": "连续播放次数",
    "Languages": "语言",
    "Staff numbers are never announced: a text with one is refused.": "员工号码一律不广播：含有员工号码的内容不予保存。",
    "The lobby kiosk says each announcement at its times (the organisation's time zone), shows it on screen, and never interrupts a visitor's reply; a kiosk that was off does not say it more than a few minutes late.":
        "大堂自助机按时（本单位时区）播放每条广播并在屏幕上显示，不会打断正在答复访客的语音；自助机关机错过的广播，超过几分钟就不再补播。",
    "A time of day is not HH:MM.": "播放时间格式应为 时:分（如 09:00）。", "A day of the week is not known.": "星期不正确。",
    "A date is not YYYY-MM-DD.": "日期格式应为 年-月-日。", "The date and time is not YYYY-MM-DD HH:MM.": "日期时间格式应为 年-月-日 时:分。",
    "Give the date and time.": "请填写播放的日期和时间。",
    "Give the text in Chinese or English (or both).": "请填写中文或英文内容（或两者都填）。",
    "Say it 1 to 5 times in a row.": "连续播放次数应为 1 到 5 次。", "The languages are not known.": "语言选项不正确。",
    "A text is too long (at most 500 characters).": "内容太长（最多 500 字）。",
    "The text has a staff member's private number: it is never announced.": "内容含有员工的保密号码，不能广播。",
    "Give either days and times, or one date and time.": "请选择每周定时，或只播一次的日期时间，二者选一。",
    "Choose at least one day of the week.": "请至少选择一天。", "Give at least one time of day.": "请至少填写一个播放时间。",
    "At most 24 times a day.": "每天最多 24 个播放时间。", "The last day is before the first.": "结束日期早于开始日期。",
    # the operator's directory (通讯录: by department, by floor, frequent; search)
    "Directory": "通讯录", "Quick lookup": "快速查找", "Open the directory": "打开通讯录", "Find someone": "查找",
    "name, pinyin initials, English name, extension, department or title": "姓名、拼音首字母、英文名、分机、部门或职务",
    "Extensions and department lines are for putting calls through; mobile numbers are never shown here. Presence is changed on the live board.":
        "分机和部门总机用于转接来电；这里从不显示手机号码。员工状态请在实时看板上修改。",
    "Search results": "查找结果", "Nothing matches.": "没有找到。", "By department": "按部门", "By floor": "按楼层",
    "Frequent": "常找", "Most asked for, last 30 days": "近 30 天最常找", "Asked for": "被找次数",
    "Nobody has been asked for in the last 30 days.": "近 30 天还没有来电找过人。", "Title": "职务",
    "Department line": "部门总机", "Change it on the live board": "在实时看板上修改", "Floor not given": "未填楼层",
    "The organisation file gives no floors (the optional floors: section).": "组织文件中没有填写楼层（可选的 floors: 部分）。",
    # expected visitors (预约访客, bot/web/pages/visitors.py)
    "Expected visitors": "预约访客", "Expect a visitor": "登记预约访客", "Expect": "登记预约", "Expected": "预约时间",
    "any time": "全天", "arrived": "已到", "not yet": "未到", "Nobody is expected.": "暂无预约访客。",
    "Time from": "开始时间", "Time until": "结束时间", "Expected visitor saved.": "预约访客已登记。",
    "Expected visit cancelled.": "预约已取消。",
    "An expected visitor who gives their name at the kiosk is greeted as expected and signed in with the appointment; their company and purpose are not asked again. The phone number is never shown at the kiosk.":
        "预约访客在自助机报上姓名后，会按预约接待并登记，不再询问单位和来访事由；访客电话不会在自助机上显示。",
    # phone use (#12, point 6: bot/web/pages/phone_use.py)
    "Phone use": "电话使用", "Phone use: monthly report": "电话使用月报",
    "Request filed: the head of your department decides it.": "申请已提交，由本部门负责人审批。",
    "Request approved.": "已批准该申请。", "Request declined.": "已拒绝该申请。",
    "made before approval": "先行拨打", "Flagged: not approved within 3 days": "逾期：三日内未补办审批",
    "Requests to decide": "待审批的申请", "Requested by": "申请人", "Kind of call": "通话类别",
    "Who is called": "对方地区及单位", "Purpose of the call": "通话事由", "Minutes": "分钟数", "Call time": "通话时间",
    "Approve": "批准", "Decline": "拒绝", "No requests waiting for your decision.": "没有待您审批的申请。",
    "Monthly report": "月度报表", "My requests": "我的申请", "requested": "待审批", "approved": "已批准",
    "declined": "已拒绝", "You have no phone-use requests yet.": "您还没有电话使用申请。",
    "Request a call": "申请拨打电话", "Where, and which organisation": "对方所在地区及单位",
    "Expected minutes": "预计通话分钟数", "Already made (urgent), approval to follow": "已先行拨打（紧急），事后补办审批",
    "Made at": "拨打时间", "Send the request": "提交申请",
    "Long-distance calls need the approval of the head of your department first. An urgent call made before approval must be approved within 3 days, or it is flagged and counted as a private call.":
        "打长途电话须先经本部门负责人签字同意。紧急情况先行拨打的，须在三日内补办审批手续，逾期即标记为逾期并视为私人电话。",
    "Local outside call": "市内外线", "Domestic long distance": "国内长途", "Hong Kong or Macau": "港澳长途",
    "International": "国际长途", "Month": "月份", "Download CSV": "下载 CSV", "Requests": "申请数",
    "still pending": "待审批", "flagged": "逾期未补办", "Minutes approved": "已批准分钟数", "Total": "合计",
    "A call counts in the month it was made (an urgent one) or requested (any other), in the organisation's time zone. Minutes are the expected minutes of the requests.":
        "通话按拨打时间（紧急先行拨打的）或申请时间（其他）计入当月，按本单位所在时区。分钟数为申请中预计的通话时长。",
    # inquiries and follow-ups (bot/web/pages/inquiries.py)
    "Inquiries": "咨询记录", "Follow-ups": "回访跟进", "Passed on": "已转交", "Answered by the receptionist": "前台已答复",
    "Your department's questions only:": "仅显示本部门的问题：", "Asked": "提问时间", "Question": "问题",
    "Answer": "答复", "Answer given": "给出的答复", "no callback asked": "未要求回电", "Record the answer": "记录答复",
    "Answer recorded.": "答复已记录。", "No questions here.": "这里还没有问题。",
    "inquiry_open": "待答复", "inquiry_connected": "已转接部门", "inquiry_replied": "已答复",
    "inquiry_kind_address": "地址", "inquiry_kind_hours": "营业时间", "inquiry_kind_directions": "路线",
    "Follow-up closed.": "回访已完成。", "Opened": "创建时间", "Score": "评分",
    "What was done": "处理情况", "Close the follow-up": "完成回访", "No open follow-ups.": "没有待跟进的回访。",
    "Nothing yet.": "暂无记录。", "By": "处理人", "Open follow-ups": "待回访",
    "Calls the caller rated 2 or less: call them back, find out what went wrong, and note what was done.":
        "来电人评分 2 分及以下的通话：请回电了解原因，并记录处理情况。",
    "Unanswered questions": "待答复的咨询", "passed to departments": "已转交部门", "rated 2 or less": "评分 2 分及以下", "Closed follow-ups": "已完成的回访",
}
"""English text → Chinese."""

EN: dict[str, str] = {
    **{f"outcome_{name}": name.replace("_", " ") for name in
       ("transferred", "message", "operator", "answered", "abandoned", "in_progress")},
    "visit_waiting": "waiting", "visit_in": "in", "visit_left": "left",
    "in_meeting": "in a meeting", "on_leave": "on leave",
    "mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday", "sat": "Saturday",
    "sun": "Sunday",
    "stay_active": "in house", "stay_checked_out": "checked out",
    **{f"wakeup_{status}": status for status in ("booked", "dialling", "answered", "retry", "cancelled")},
    "wakeup_failed": "failed: not answered",
    **{f"result_{result}": result.replace("_", " ") for result in ("answered", "no_answer", "busy", "failed")},
    "result_checked_out": "guest checked out", "lang_zh": "Chinese", "lang_en": "English",
    "case_registered": "registered", "case_classified": "classified", "case_dispatched": "dispatched",
    "case_in_progress": "in progress", "case_replied": "replied", "case_fed_back": "fed back",
    "case_closed": "closed", "case_evaluated": "evaluated",
    "step_register": "Register", "step_classify": "Classify", "step_dispatch": "Dispatch", "step_accept": "Accept",
    "step_send_back": "Send back", "step_reply": "Reply", "step_feed_back": "Feed back", "step_close": "Close the case",
    "step_evaluate": "Evaluate", "step_remind": "Reminder (overdue)",
    "feedback_callback": "call back", "feedback_sms": "text message", "feedback_phone_query": "the caller asked by phone",
    "feedback_visit": "visit",
    "inquiry_open": "waiting for an answer", "inquiry_connected": "put through", "inquiry_replied": "answered",
    "inquiry_kind_address": "address", "inquiry_kind_hours": "opening hours", "inquiry_kind_directions": "directions",
}
"""Keys that are not themselves the English text (statuses shared by two meanings, codes)."""


def translator(lang: str) -> Callable[[str], str]:
    table = ZH if lang == "zh" else EN
    return lambda text: table.get(text, text)
