"""Everything the receptionist says to callers and visitors, in Chinese and English.

One table, so wording is reviewed in one place and both languages always exist (a test checks
that every key has both and that both take the same parameters). Text built here goes through
`bot.privacy.scrub_for_caller` before it leaves the receptionist.
"""

from __future__ import annotations

import string

PHRASES: dict[str, dict[str, str]] = {
    # greetings (the seeds: "您好，××酒店" for outside calls, "Operator，您好，总机" for inside calls)
    "greet_external": {
        "zh": "您好，{org}，请问有什么可以帮您？",
        "en": "{daypart}, {org}. How may I help you?",
    },
    "greet_internal": {"zh": "您好，总机。请问您找哪位？", "en": "Operator, {daypart_lower}. Who would you like?"},
    "greet_kiosk": {
        "zh": "您好，欢迎来到{org}。请问您找哪位，或者有什么可以帮您？",
        "en": "{daypart}, welcome to {org}. Who are you here to see, or how can I help?",
    },
    "greet_closed": {
        "zh": "您好，{org}。现在是下班时间，我们的上班时间是{hours}。如有急事，我可以为您转接值班电话；"
              "也可以为您留言，上班后转告。请问有什么可以帮您？",
        "en": "{daypart}, {org}. The office is closed now; our hours are {hours}. If it is urgent I can put you "
              "through to the duty line, or I can take a message for the morning. How may I help you?",
    },
    "how_can_i_help": {"zh": "请问有什么可以帮您？", "en": "How may I help you?"},
    "anything_else": {"zh": "请问还有什么可以帮您？", "en": "Is there anything else I can do for you?"},
    "ask_whom": {"zh": "请问您找哪位，或者哪个部门？", "en": "Who would you like to speak to, or which department?"},
    "ask_matter": {
        "zh": "没关系。请问您是为什么事情来电？我帮您找合适的同事。",
        "en": "That's all right. What is it about? I'll find the right person for you.",
    },
    "not_found": {
        "zh": "抱歉，我没有找到“{text}”。请再说一下您要找的人的姓名或部门。",
        "en": "Sorry, I couldn't find \"{text}\". Could you tell me the name or the department again?",
    },
    "not_understood": {
        "zh": "抱歉，我没有听清楚。请问您找哪位，或者有什么事情？",
        "en": "Sorry, I didn't catch that. Who would you like, or what is it about?",
    },
    "silence": {"zh": "您好，请问您还在吗？请问有什么可以帮您？", "en": "Hello, are you still there? How may I help you?"},
    # finding whom the caller wants
    "ambiguous": {"zh": "我们这里有{count}位{name}：{options}。请问您找哪一位？",
                  "en": "We have {count} people called {name}: {options}. Which one would you like?"},
    "ambiguous_option": {"zh": "一位在{department}", "en": "one in {department}"},
    "ambiguous_mixed": {"zh": "有几个可能：{options}。请问您找哪一个？",
                        "en": "There are a few possibilities: {options}. Which one do you mean?"},
    "which_department": {"zh": "这个可能是{first}或者{second}负责的。请问您要找{first}，还是{second}？",
                         "en": "That could be {first} or {second}. Would you like {first} or {second}?"},
    "confirm_target": {"zh": "请问您是找{department}的{name}吗？", "en": "Do you mean {name} in {department}?"},
    "confirm_department": {"zh": "请问您是找{name}吗？", "en": "Do you mean {name}?"},
    # screening and identity
    "ask_name": {"zh": "请问您贵姓？怎么称呼您？", "en": "May I have your name, please?"},
    "ask_company": {"zh": "请问您是哪家单位的？", "en": "Which company are you calling from?"},
    "ask_purpose": {"zh": "请问您找{name}是什么事情？", "en": "May I ask what you would like to speak to {name} about?"},
    "ask_appointment": {"zh": "请问您和{name}有预约吗？", "en": "Do you have an appointment with {name}?"},
    "ask_again_name": {"zh": "不好意思，没听清您的姓名，请再说一遍。", "en": "Sorry, I didn't get your name. Could you say it again?"},
    # transfers
    "connecting": {"zh": "好的，请稍等，正在为您转接{name}。", "en": "Certainly, one moment please. I'm putting you through to {name}."},
    "connecting_announced": {
        "zh": "好的，请稍等，我先为您联系{name}。",
        "en": "One moment please, I'll let {name} know you are calling.",
    },
    "connecting_assistant": {
        "zh": "请稍等，我先为您转到{name}的办公室。",
        "en": "One moment please, I'll put you through to {name}'s office.",
    },
    "connecting_location": {
        "zh": "{name}现在可能不在办公室，我先帮您转到他可能在的地方看看，请稍等。",
        "en": "{name} may be away from the desk; let me try where they are now. One moment please.",
    },
    "connecting_duty": {
        "zh": "好的，请稍等，正在为您转接值班电话。",
        "en": "Certainly, one moment please. I'm putting you through to the duty line.",
    },
    "connecting_duty_manager": {
        "zh": "值班电话暂时无人接听，我再为您联系值班经理，请稍等。",
        "en": "The duty line isn't answering; I'll try the duty manager for you. One moment please.",
    },
    "connecting_operator": {
        "zh": "好的，请稍等，正在为您转接人工服务。",
        "en": "Certainly, one moment please. I'm putting you through to the operator.",
    },
    "offer_mobile": {
        "zh": "{name}的办公室电话没有人接听。需要我帮您转接到{name}的手机上吗？",
        "en": "There's no answer from {name}'s office. Shall I try to reach {name} on the mobile for you?",
    },
    "connecting_mobile": {
        "zh": "好的，请稍等，正在为您接通。",
        "en": "Certainly, one moment please while I connect you.",
    },
    "busy": {"zh": "{name}的电话正在通话中。", "en": "{name}'s line is busy at the moment."},
    "busy_urgent": {
        "zh": "{name}的电话正在通话中。您的事情很急，需要我请总机插话通知{name}吗？",
        "en": "{name}'s line is busy. Since it's urgent, shall I ask the operator to interrupt and let {name} know?",
    },
    "no_answer": {"zh": "{name}的电话没有人接听。", "en": "There's no answer from {name}."},
    "unavailable": {"zh": "{name}暂时无法接听您的电话。", "en": "{name} isn't able to take your call right now."},
    "failed": {"zh": "抱歉，电话没有接通。", "en": "Sorry, the call didn't go through."},
    "on_leave": {"zh": "{name}这几天休假，不在公司。", "en": "{name} is on leave at the moment."},
    "in_meeting": {"zh": "{name}正在开会。", "en": "{name} is in a meeting."},
    "away": {"zh": "{name}暂时不在座位上。", "en": "{name} is away from the desk."},
    "offer_message": {
        "zh": "需要我帮您留言，请{name}回电吗？",
        "en": "Would you like to leave a message so that {name} can call you back?",
    },
    "offer_department": {
        "zh": "您也可以找{department}的其他同事。需要为您转接{department}吗？",
        "en": "A colleague in {department} may be able to help. Shall I put you through to {department}?",
    },
    "call_back_later": {"zh": "好的，您可以稍后再打过来。", "en": "All right, you're welcome to call back later."},
    "closed_offer": {
        "zh": "现在是下班时间。请问事情紧急吗？如果紧急，我可以为您转接值班电话；不急的话我可以帮您留言，上班后转告{name}。",
        "en": "The office is closed now. Is it urgent? If so I can put you through to the duty line; otherwise I "
              "can take a message for {name} for the morning.",
    },
    # salespeople
    "sales_decline": {
        "zh": "不好意思，{name}不直接接听推销或业务推广电话。您可以把资料和联系方式留给我们，由相关部门转交。",
        "en": "I'm sorry, {name} doesn't take sales calls directly. You're welcome to leave your details and "
              "we'll pass them on to the right department.",
    },
    # privacy
    "no_disclosure": {
        "zh": "不好意思，按照公司规定，我们不能提供员工的手机号码或其他联系方式。我可以帮您转接，或者帮您留言请他回电。",
        "en": "I'm sorry, I can't give out our staff's mobile numbers or other contact details. I can put you "
              "through, or take a message and ask them to call you back.",
    },
    # messages
    "ask_message_name": {"zh": "好的，请问您怎么称呼？", "en": "Certainly. May I have your name?"},
    "ask_callback": {"zh": "请问您的回电号码是多少？", "en": "What number should they call you back on?"},
    "ask_callback_again": {
        "zh": "抱歉，这个号码好像不完整，请再说一遍您的回电号码。",
        "en": "Sorry, that number doesn't seem complete. Could you say your callback number again?",
    },
    "ask_message_text": {"zh": "请问您要给{name}留什么话？", "en": "What message would you like to leave for {name}?"},
    "readback": {
        "zh": "我复述一下：给{name}的留言，来电人{caller}，回电号码{number}，内容：{text}{urgent}。对吗？",
        "en": "Let me read that back: a message for {name} from {caller}, callback number {number}: {text}{urgent}. "
              "Is that right?",
    },
    "readback_urgent": {"zh": "（紧急）", "en": " (urgent)"},
    "readback_fix": {
        "zh": "不好意思，我们重新记一下。请问您的回电号码是多少？",
        "en": "Sorry about that, let's take it again. What is your callback number?",
    },
    "request_noted": {
        "zh": "好的，您的请求我们已经记下了。如需进一步帮助，请到前台找工作人员。",
        "en": "Thank you, your request has been noted. For anything further, please see the staff at the front desk.",
    },
    "message_saved": {
        "zh": "好的，留言已经记下，我们会尽快转告{name}。",
        "en": "Thank you, I've taken your message and will make sure {name} gets it.",
    },
    "message_failed": {
        "zh": "抱歉，留言没有保存成功，我为您转接人工服务。",
        "en": "I'm sorry, I couldn't save the message; let me put you through to the operator.",
    },
    # inquiries
    "faq_unknown": {
        "zh": "这个问题我需要请同事为您解答。需要为您转接人工服务，还是帮您留言？",
        "en": "I'll need a colleague to answer that. Shall I put you through to the operator, or take a message?",
    },
    # operator and complaints
    "complaint": {
        "zh": "非常抱歉给您带来不好的体验。我马上为您转接人工服务。",
        "en": "I'm very sorry about that. Let me put you through to a member of staff right away.",
    },
    "too_many_misunderstood": {
        "zh": "抱歉，我没能听明白。我为您转接人工服务，请稍等。",
        "en": "I'm sorry I couldn't follow. Let me put you through to the operator; one moment please.",
    },
    "operator_closed": {
        "zh": "现在总机已经下班了，我帮您留个言，上班后第一时间处理。",
        "en": "The switchboard is closed now, so let me take a message; it will be dealt with first thing when we open.",
    },
    "system_problem": {
        "zh": "抱歉，系统暂时出现问题，正在为您转接人工服务，请稍等。",
        "en": "I'm sorry, something went wrong on our side. I'm putting you through to the operator; one moment please.",
    },
    # language
    "switched_language": {"zh": "好的，我们说中文。请问有什么可以帮您？", "en": "Of course, let's speak English. How may I help you?"},
    # kiosk visitors
    "visitor_registered": {
        "zh": "好的，已为您登记，我已经通知{name}。请您先坐一下，稍等片刻。",
        "en": "Thank you, you're signed in and I've let {name} know you're here. Please take a seat; "
              "someone will be with you shortly.",
    },
    "visitor_host_away": {
        "zh": "{name}现在不在。我已经为您登记；需要给{name}留言吗？",
        "en": "{name} isn't available right now. I've signed you in; would you like to leave a message for {name}?",
    },
    # expected visitors and visitors who will come again (bot/dialogue/flows/visitor.py)
    "visitor_expected": {
        "zh": "{visitor}您好，{name}在等您。我已经通知{name}您到了，请您先坐一下，稍等片刻。",
        "en": "Welcome, {visitor}. {name} is expecting you; I've let {name} know you're here. Please take a seat.",
    },
    "visitor_expected_welcome": {"zh": "{visitor}您好，欢迎光临。", "en": "Welcome, {visitor}."},
    "visitor_come_again": {
        "zh": "好的，我会转告{name}您{when}再来。谢谢您的光临，再见。",
        "en": "Of course. I'll let {name} know you'll come back {when}. Thank you for visiting; goodbye.",
    },
    # closing
    "ask_satisfaction": {
        "zh": "请问您对本次服务满意吗？请用一到五分评价，五分是非常满意。",
        "en": "Before you go, how satisfied were you with this call, on a scale of one to five?",
    },
    "goodbye": {"zh": "谢谢您的来电，再见。", "en": "Thank you for calling. Goodbye."},
    "goodbye_kiosk": {"zh": "谢谢您的光临，再见。", "en": "Thank you for visiting. Goodbye."},
    "thanks_for_rating": {"zh": "谢谢您的评价。", "en": "Thank you for your feedback."},
    "low_rating_sorry": {"zh": "非常抱歉这次没能让您满意，我们的主管会跟进。",
                         "en": "I'm sorry we didn't do better this time. A supervisor will follow it up."},
    # a question nobody here can answer (bot/dialogue/flows/inquiry.py)
    "ask_question": {"zh": "好的，请问您想咨询什么？", "en": "Of course. What would you like to ask?"},
    "question_passed_on": {
        "zh": "这个问题由{name}负责答复，我帮您转过去；如果没人接，我请他们给您回电。",
        "en": "{name} answers questions like that. I'll put you through, and if nobody answers I'll have them "
              "call you back.",
    },
    # a hotel (bot/dialogue/flows/hotel.py): guests and emergencies; never a room number or extension
    "greet_guest": {"zh": "{guest}您好，这里是总机，请问有什么可以帮您？",
                    "en": "{daypart}, {guest}. This is the operator; how may I help you?"},
    "emergency_connecting": {"zh": "马上为您接通紧急服务，请不要挂机。",
                             "en": "Connecting you to our emergency line now, please stay on the line."},
    "emergency_operator": {"zh": "紧急线路暂时没有接通，马上为您转接总机，请不要挂机。",
                           "en": "The emergency line didn't answer; I'm putting you through to the operator now, "
                                 "please stay on the line."},
    "emergency_alerted": {"zh": "我们已经紧急通知了酒店工作人员。如有危险，请先到安全的地方，也可以直接拨打119、120或110。",
                          "en": "I've alerted our staff urgently. If you are in danger, please move somewhere safe; "
                                "you can also call 119, 120 or 110 directly."},
    "guest_no_transfer_here": {"zh": "抱歉，这里无法为您接通{name}的房间电话。需要的话，我可以为您留言，转交给客人。",
                               "en": "I'm sorry, I can't put calls through to {name}'s room from here. "
                                     "I can take a message for them if you like."},
    "guest_busy": {"zh": "{name}的房间电话正在通话中。需要我帮您留言吗？我们会转交给客人。",
                   "en": "{name}'s room line is busy. May I take a message for them?"},
    "guest_no_answer": {"zh": "{name}的房间电话没有人接听。需要我帮您留言吗？我们会转交给客人。",
                        "en": "There's no answer from {name}'s room. May I take a message for them?"},
    "guest_room_private": {"zh": "抱歉，为了保护客人的隐私，我们不能告诉您客人的房间号。",
                           "en": "I'm sorry, to protect our guests' privacy I can't give out room numbers."},
    "your_room_phone": {"zh": "您的房间电话", "en": "your room phone"},
    "guest_offer_message": {"zh": "好的。需要的话，我可以为您留言，转交前台处理。",
                            "en": "All right. I can take a message for the front desk if you like."},
    # wake-up calls, booked by a guest from the room phone (bot/hotel/wakeup_request.py)
    "wakeup_ask_time": {"zh": "好的，请问您想几点叫醒？", "en": "Of course. What time would you like your wake-up call?"},
    "wakeup_booked": {"zh": "好的，已为您预订{when}的叫醒服务，到时总机会打电话到您的房间。",
                      "en": "All set: your wake-up call is booked for {when}. We'll ring your room then."},
    "wakeup_from_room": {"zh": "叫醒服务请用您房间的电话拨打总机预订。需要我为您转接人工服务吗？",
                         "en": "Wake-up calls are booked from your room phone. Shall I put you through to the "
                               "front desk?"},
    "wakeup_after_checkout": {"zh": "{when}已经在您退房之后了。请问换一个时间吗？",
                              "en": "I'm sorry, {when} is after your check-out. Would another time suit you?"},
    "wakeup_past": {"zh": "{when}已经过了。请问您想几点叫醒？",
                    "en": "I'm sorry, {when} has already passed. What time would you like your wake-up call?"},
    "wakeup_cancelled": {"zh": "好的，已为您取消{when}的叫醒服务。",
                         "en": "Done: your wake-up call for {when} is cancelled."},
    "wakeup_none": {"zh": "您目前没有预订叫醒服务。", "en": "You have no wake-up call booked."},
    # hotline cases (bot/dialogue/flows/cases.py)
    "case_heard_category": {"zh": "好的，您反映的是{category}方面的问题，我来为您登记工单。",
                            "en": "All right, that's a matter of {category}. I'll register it as a case for you."},
    "case_heard": {"zh": "好的，我来为您登记工单。", "en": "All right, I'll register this as a case for you."},
    "case_ask_name": {"zh": "请问您怎么称呼？", "en": "May I have your name?"},
    "case_ask_number": {"zh": "请留一个联系电话，方便我们答复您。", "en": "What number can we reach you on with the answer?"},
    "case_registered": {"zh": "已为您登记，工单号是{number}。{department}会在{days}天内答复您。您也可以用这个电话拨打热线，"
                              "说“查询工单”和工单号查询进度。",
                        "en": "Your case is registered; its number is {number}. {department} will answer within "
                              "{days} days. You can also call us from this number and say \"check my case\" with "
                              "the number."},
    "case_registered_unclassified": {"zh": "已为您登记，工单号是{number}。我们会尽快分派给相关部门办理并答复您。",
                                     "en": "Your case is registered; its number is {number}. We'll pass it to the "
                                           "right department and get back to you."},
    "case_ask_number_to_check": {"zh": "好的，请说出您的十二位工单号。",
                                 "en": "Of course. Please tell me your twelve-digit case number."},
    "case_not_found": {"zh": "抱歉，没有查到与本机号码对应的{number}号工单。请用登记时留下的电话拨打查询；需要我为您转人工服务吗？",
                       "en": "I'm sorry, I can't find case {number} for the number you're calling from. Please call "
                             "from the number you gave when you reported it. Shall I put you through to an operator?"},
    "case_status_open": {"zh": "您的{number}号工单正在由{department}办理，预计{due}前答复。",
                         "en": "Case {number} is being handled by {department}; expect an answer by {due}."},
    "case_status_waiting": {"zh": "您的{number}号工单已受理，正在分派给相关部门。",
                            "en": "Case {number} has been received and is being passed to the right department."},
    "case_status_answered": {"zh": "您的{number}号工单已有办理结果：{reply}",
                             "en": "Case {number} has an answer: {reply}"},
    "case_rate": {"zh": "请问您对这次办理结果满意吗？请用一到五分评价，五分是非常满意。",
                  "en": "How satisfied are you with how it was handled, on a scale of one to five?"},
    "case_low_rating": {"zh": "很抱歉没能让您满意，我们会安排专人回访。",
                        "en": "I'm sorry we fell short. A supervisor will follow it up with you."},
}

DAYPARTS = {"morning": "Good morning", "afternoon": "Good afternoon", "evening": "Good evening"}


def say(key: str, language: str, **params: object) -> str:
    """The phrase `key` in `language` ("zh" or "en"), with its parameters filled in."""
    texts = PHRASES[key]
    return texts.get(language, texts["zh"]).format(**params)


def parameters(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
