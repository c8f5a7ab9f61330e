"""Who to ring, in what order, and why: the switchboard rules as one pure function.

`plan_call(directory, target_id, caller, at)` returns a `Plan`: the steps the receptionist
follows for one call, each with a reason in English and Chinese that staff can read. The
dialogue runs the steps in order; `Plan.follow(remaining, result)` (or `Plan.after(index,
result)`) says what is left once the phone system reports a transfer's result (contract
section 3). The plan is cheap: re-plan whenever something new is known (the caller gave
their name, said it is urgent), since announcements name what the caller has said so far.

The rules (shared/seeds; what differs between organisations is `Policy`):

- Salespeople and cold calls never reach `block_sales_to` levels: DECLINE, then a message for
  the general mailbox department (or the person).
- Closed (nights, weekends, holidays): a non-urgent caller is offered a message, passed on
  when the office opens; an urgent caller gets the duty line at once (naming tonight's duty
  person; no questions first: the announcement says what the caller has said), then the duty
  manager (their mobile, connect only), then an urgent message.
- Screened levels (executives): an external caller first gives `external_must_give`
  (ASK_IDENTITY lists what is missing); an internal caller below `internal_pass_level` gives
  their purpose. Then the call is announced and the callee asked to accept ("张总您好，这里是总机，
  <公司>的<姓名>来电，事由…，请问您接听吗？", never "X找你"). An assistant's office screens first,
  except for internal callers at or above `internal_pass_level`, who are put through directly.
- A known `location` (the extension where the person is now) is tried before the office
  ("张总可能在西餐厅，我先帮您接到西餐厅"); levels in `mobile_fallback_levels` are then offered
  the mobile (connected, never disclosed); last, a message.
- Presence: on leave → no ring, a message (the department offered, or rung if urgent); in a
  meeting → the assistant, else a message (location and mobile only if urgent); away → the
  assistant, the location, the mobile; busy → a message, or for urgent callers (if
  `urgent_retry_busy`) ring anyway, then the operator, who can break in (强插).
- Departments: ring the department, else a message for it. The operator: ring the operator.
  "duty": the duty line, the duty manager, a message. After hours, internal callers follow
  the same rules as external ones (they can dial an extension themselves).

- Mobiles only on the phone: a conversation on another channel (kiosk, chat) is never put through
  to a mobile (`bot.privacy.may_connect_mobile`): no mobile is offered, and the duty manager is
  rung at the office if there is an extension, else skipped; the message that follows remains.

Privacy: reasons and announcements never contain a phone number or an extension;
`describe()` and `as_dict()` show extensions (they are for staff) but a mobile never (it shows
as "mobile (connect only)"). The one place a mobile number appears is
`Step.transfer_payload()`, which goes to the phone system and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from bot.org.model import Department, Directory, Level, Person, Policy, Presence
from bot.privacy import may_connect_mobile
from bot.rules.calendar import OpenState, duty_person, open_state

OPERATOR = "operator"
DUTY = "duty"
CONNECT_ONLY = "mobile (connect only)"


class StepKind(str, Enum):
    ASK_IDENTITY = "ask_identity"
    """Ask the caller for what the rules require (`needs`) before anyone is rung."""
    RING = "ring"
    """Ring an extension (the person's office or a department); `mode` blind or announced."""
    TRY_LOCATION = "try_location"
    """Ring the extension where the person is now, asking for them."""
    TRY_ASSISTANT = "try_assistant"
    """The assistant's office screens the call for an executive (announced)."""
    OFFER_MOBILE = "offer_mobile"
    """Ask the caller whether to try the mobile; connect only, the number is never told."""
    DUTY_LINE = "duty_line"
    DUTY_MANAGER = "duty_manager"
    TAKE_MESSAGE = "take_message"
    OPERATOR = "operator"
    DECLINE = "decline"
    """No transfer (e.g. a salesperson asking for an executive); a message follows."""


TRANSFER_KINDS = frozenset({
    StepKind.RING, StepKind.TRY_LOCATION, StepKind.TRY_ASSISTANT, StepKind.OFFER_MOBILE,
    StepKind.DUTY_LINE, StepKind.DUTY_MANAGER, StepKind.OPERATOR,
})
"""Steps that connect the caller somewhere (a `transfer` payload, contract section 4)."""

_BUSY_KINDS = frozenset({StepKind.RING, StepKind.OFFER_MOBILE})
"""Steps ringing the callee's own line: busy there means the callee is busy (`Plan.if_busy`)."""


class TransferResult(str, Enum):
    """What the phone system reports about a transfer (contract section 3)."""

    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    DECLINED = "declined"
    FAILED = "failed"


@dataclass(frozen=True)
class Caller:
    """What is known of the caller so far."""

    internal: bool = False
    person_id: str | None = None
    """Internal caller identified by extension; fills in name and level from the directory."""
    level: Level | None = None
    name: str | None = None
    company: str | None = None
    purpose: str | None = None
    appointment: bool | None = None
    sales: bool = False
    """A salesperson or cold call."""
    urgent: bool = False
    channel: str = "phone"
    """Where the conversation happens (phone, kiosk, chat): only the phone may reach a mobile."""

    def knows(self, item: str) -> bool:
        """Whether the caller already gave `item` (name, company, purpose, appointment)."""
        value = self.appointment if item == "appointment" else getattr(self, item, None)
        return value is not None and value != ""

    def missing(self, items: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(item for item in items if not self.knows(item))


@dataclass(frozen=True)
class Step:
    kind: StepKind
    target: str
    """Person or department id, "operator" or "duty"."""
    target_name: str = ""
    destination: str | None = None
    """Dial string. For a mobile it goes only into `transfer_payload()`, never into text."""
    mode: str | None = None
    """"blind" or "announced" for transfers."""
    ring_timeout_s: int | None = None
    needs: tuple[str, ...] = ()
    announcement: str | None = None
    """Spoken to the callee before they accept (announced transfers), in the organisation's language."""
    connect_only: bool = False
    """The destination is a private number (a mobile): connect, never disclose."""
    urgent: bool = False
    reason: str = ""
    """English, for staff (CLI, logs, console)."""
    reason_zh: str = ""

    @property
    def is_transfer(self) -> bool:
        return self.kind in TRANSFER_KINDS

    @property
    def shown_destination(self) -> str | None:
        """The destination as staff may see it: a mobile is only ever "mobile (connect only)"."""
        if self.destination is None:
            return None
        return CONNECT_ONLY if self.connect_only else f"ext {self.destination}"

    def describe(self) -> str:
        """One line for staff; never includes a mobile number."""
        who = f"{self.target_name} ({self.target})" if self.target_name else self.target
        if self.kind is StepKind.ASK_IDENTITY:
            action = f"ask the caller: {', '.join(self.needs)}"
        elif self.kind is StepKind.DECLINE:
            action = f"decline: no transfer to {who}"
        elif self.kind is StepKind.TAKE_MESSAGE:
            action = f"take {'an urgent' if self.urgent else 'a'} message for {who}"
        else:
            action = f"{self.kind.value}: {who} at {self.shown_destination}, {self.mode}, {self.ring_timeout_s} s"
        return f"{action} — {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        """For staff and scripts (CLI --json): a mobile destination is left out (`connect_only` says so)."""
        return {
            "kind": self.kind.value, "target": self.target, "target_name": self.target_name,
            "destination": None if self.connect_only else self.destination, "connect_only": self.connect_only,
            "mode": self.mode,
            "ring_timeout_s": self.ring_timeout_s, "needs": list(self.needs),
            "announcement": self.announcement, "urgent": self.urgent,
            "reason": self.reason, "reason_zh": self.reason_zh,
        }

    def transfer_payload(self) -> dict[str, Any] | None:
        """The contract's `transfer` custom payload: the only place a mobile number may appear."""
        if not self.is_transfer or self.destination is None:
            return None
        payload: dict[str, Any] = {
            "type": "transfer", "destination": self.destination, "target": self.target,
            "mode": self.mode or "blind", "ring_timeout_s": self.ring_timeout_s,
        }
        if self.mode == "announced":
            payload["announcement"] = self.announcement or ""
        return payload


@dataclass(frozen=True)
class Plan:
    target: str
    target_kind: str
    """"person", "department", "operator" or "duty"."""
    target_name: str
    open: OpenState
    steps: tuple[Step, ...]
    if_busy: tuple[Step, ...] = ()
    """What follows when the callee's own line (RING, OFFER_MOBILE) is busy."""
    alternative: str | None = None
    """A department the receptionist may offer instead (the person is away or on leave)."""
    duty_person: str | None = None
    """Tonight's duty person (id), when the plan uses the duty line."""

    def after(self, index: int, result: TransferResult | str) -> tuple[Step, ...]:
        """The steps left once `steps[index]` ended with `result`."""
        return self.follow(self.steps[index:], result)

    def follow(self, remaining: tuple[Step, ...], result: TransferResult | str) -> tuple[Step, ...]:
        """The steps left once `remaining[0]` (from `steps` or `if_busy`) ended with `result`.

        Answered: nothing. Declined (the callee refused after the announcement): only the
        message, never the mobile. Busy on the callee's own line: `if_busy`. No answer, failed,
        or busy on a shared line (assistant, location, duty line): the next step.
        """
        result = TransferResult(result)
        step, rest = remaining[0], remaining[1:]
        if not step.is_transfer:
            return rest
        if result is TransferResult.ANSWERED:
            return ()
        if result is TransferResult.DECLINED:
            return self._message_steps()
        if result is TransferResult.BUSY and step.kind in _BUSY_KINDS:
            return self.if_busy
        return rest

    def _message_steps(self) -> tuple[Step, ...]:
        messages = [s for s in self.steps if s.kind is StepKind.TAKE_MESSAGE]
        return tuple(messages[-1:])

    def describe(self) -> list[str]:
        """Lines for staff: the situation, the numbered steps, the busy path, the alternative."""
        local = self.open.local_time
        state = "open" if self.open.open else "closed"
        lines = [f"{self.target_name} ({self.target_kind} {self.target}), "
                 f"{local:%Y-%m-%d %H:%M} {local.tzinfo}: {state}, {self.open.reason}"]
        lines += [f"{number}. {step.describe()}" for number, step in enumerate(self.steps, 1)]
        if self.if_busy:
            lines.append("if busy: " + "; then ".join(step.describe() for step in self.if_busy))
        if self.alternative:
            lines.append(f"may offer instead: the department {self.alternative}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target, "target_kind": self.target_kind, "target_name": self.target_name,
            "local_time": self.open.local_time.isoformat(), "open": self.open.open,
            "open_reason": self.open.reason, "open_reason_zh": self.open.reason_zh,
            "next_open": self.open.next_open.isoformat() if self.open.next_open else None,
            "duty_person": self.duty_person,
            "steps": [step.as_dict() for step in self.steps],
            "if_busy": [step.as_dict() for step in self.if_busy],
            "alternative": self.alternative,
        }


class UnknownTarget(KeyError):
    """The target is neither a person, a department, "operator" nor "duty"."""

    def __str__(self) -> str:
        return f"no person or department has the id '{self.args[0]}'"


# --------------------------------------------------------------------------------------
# The call as a whole


@dataclass(frozen=True)
class _Call:
    """Everything a rule looks at."""

    directory: Directory
    caller: Caller
    state: OpenState
    at: dt.datetime

    @property
    def policy(self) -> Policy:
        return self.directory.policy

    @property
    def english(self) -> bool:
        languages = self.directory.organization.languages
        return bool(languages) and languages[0] == "en"


def plan_call(directory: Directory, target_id: str, caller: Caller, at: dt.datetime) -> Plan:
    """The plan for a call to `target_id` (person or department id, "operator" or "duty") at `at`."""
    call = _Call(directory, _complete_caller(directory, caller), open_state(directory, at), at)
    person = directory.person(target_id)
    if person is not None:
        return _person_plan(call, person)
    department = directory.department(target_id)
    if department is not None:
        return _department_plan(call, department)
    if target_id == OPERATOR:
        return _operator_plan(call)
    if target_id == DUTY:
        return _duty_plan(call)
    raise UnknownTarget(target_id)


def _complete_caller(directory: Directory, caller: Caller) -> Caller:
    """An internal caller known by extension: name and level from the directory."""
    person = directory.person(caller.person_id) if caller.person_id else None
    if person is None:
        return caller
    return replace(caller, internal=True, name=caller.name or person.name, level=caller.level or person.level)


def _plan(call: _Call, target: str, kind: str, name: str, steps: list[Step], if_busy: tuple[Step, ...] = (),
          **extra: Any) -> Plan:
    """A plan; the busy path is kept only where a step rings the callee's own line."""
    if not any(step.kind in _BUSY_KINDS for step in steps):
        if_busy = ()
    return Plan(target=target, target_kind=kind, target_name=name, open=call.state, steps=tuple(steps),
                if_busy=if_busy, **extra)


# --------------------------------------------------------------------------------------
# People


def _person_plan(call: _Call, person: Person) -> Plan:
    if _sales_blocked(call, person):
        return _plan(call, person.id, "person", person.name, _declined_sales(call, person))
    if not call.state.open:
        return _after_hours_plan(call, person.id, "person", person.name)
    steps = [*_identity_steps(call, person), *_reach_person(call, person)]
    message = _message(person.id, person.name, call.caller.urgent, *_message_reason(person))
    alternative = _alternative(call, person)
    if any(step.target == alternative for step in steps):  # already rung: nothing left to offer
        alternative = None
    return _plan(call, person.id, "person", person.name, [*steps, message],
                 if_busy=_busy_path(call, message), alternative=alternative)


def _sales_blocked(call: _Call, person: Person) -> bool:
    return call.caller.sales and not call.caller.internal and person.level in call.policy.block_sales_to


def _declined_sales(call: _Call, person: Person) -> list[Step]:
    mailbox = call.directory.department(call.policy.general_mailbox or "")
    decline = Step(
        StepKind.DECLINE, person.id, person.name,
        reason=f"sales calls are not put through to {person.level.value} level; no transfer",
        reason_zh=f"推销电话不转接{_LEVEL_ZH[person.level]}，不转接",
    )
    if mailbox is not None:
        return [decline, _message(mailbox.id, mailbox.name, False, "general mailbox for sales enquiries",
                                  "推销信息留言转交公共信箱")]
    return [decline, _message(person.id, person.name, False, "a message instead of a transfer", "留言转告，不转接")]


def _screened(call: _Call, person: Person) -> bool:
    return person.level in call.policy.screened_levels


def _senior_internal(call: _Call) -> bool:
    level = call.caller.level
    return call.caller.internal and level is not None and level.rank >= call.policy.internal_pass_level.rank


def _identity_steps(call: _Call, person: Person) -> list[Step]:
    """What a screened callee's caller must say first."""
    if not _screened(call, person) or _senior_internal(call):
        return []
    if call.caller.internal:
        needs = call.caller.missing(("purpose",))
        why, why_zh = "internal caller below the pass level states the purpose first", "内部员工须先说明来电目的"
    else:
        needs = call.caller.missing(call.policy.external_must_give)
        why, why_zh = "executives' calls are screened: the caller identifies first", "高层电话须先问明来电者身份和事由"
    return [Step(StepKind.ASK_IDENTITY, person.id, person.name, needs=needs, reason=why, reason_zh=why_zh)] if needs else []


def _reach_person(call: _Call, person: Person) -> list[Step]:
    presence = person.presence
    if presence is Presence.ON_LEAVE:
        return _reach_on_leave(call, person)
    if presence is Presence.IN_MEETING:
        return _reach_in_meeting(call, person)
    if presence is Presence.AWAY:
        return _optional(_assistant(call, person), _location(call, person), _mobile(call, person))
    if presence is Presence.BUSY:
        return _reach_busy(call, person)
    screen = None if _senior_internal(call) else _assistant(call, person, screened_only=True)
    return _optional(screen, _location(call, person), _office(call, person), _mobile(call, person))


def _reach_on_leave(call: _Call, person: Person) -> list[Step]:
    if not call.caller.urgent:
        return []
    department = call.directory.department(person.department)
    return _optional(_department_ring(call, department, f"{person.name} is on leave and the matter is urgent",
                                      f"{person.name}休假中，事情紧急，转所在部门"))


def _reach_in_meeting(call: _Call, person: Person) -> list[Step]:
    assistant = _assistant(call, person)
    if not call.caller.urgent:
        return _optional(assistant)
    return _optional(assistant, _location(call, person), _mobile(call, person))


def _reach_busy(call: _Call, person: Person) -> list[Step]:
    screen = _assistant(call, person, screened_only=True)
    if not (call.caller.urgent and call.policy.urgent_retry_busy):
        return _optional(screen)
    office = _office(call, person)
    if office is not None:
        office = replace(office, reason=f"{person.name} is busy but the matter is urgent: ring anyway",
                         reason_zh=f"{person.name}正忙，但事情紧急，仍然转接")
    return _optional(screen, office, _operator_break_in(call))


def _optional(*steps: Step | None) -> list[Step]:
    return [step for step in steps if step is not None]


def _mode(call: _Call, person: Person) -> str:
    return "announced" if _screened(call, person) else "blind"


def _office(call: _Call, person: Person) -> Step | None:
    if not person.extension:
        return None
    rings = call.policy.ring_timeout_s(person.level)
    screened = _screened(call, person)
    why = f"{person.name}'s office, {rings} s" + ("; announced, the callee accepts or declines" if screened else "")
    why_zh = f"转{person.name}办公室分机，等{rings}秒" + ("；先通报来电者，征得同意再接通" if screened else "")
    return Step(StepKind.RING, person.id, person.name, person.extension, _mode(call, person), rings,
                announcement=_announce_to(call, person) if screened else None, reason=why, reason_zh=why_zh)


def _assistant(call: _Call, person: Person, screened_only: bool = False) -> Step | None:
    """The assistant's office: it screens an executive's calls, or takes them while the person is out."""
    assistant = call.directory.person(person.assistant) if person.assistant else None
    if assistant is None or not assistant.extension or assistant.presence is Presence.ON_LEAVE:
        return None
    if assistant.id == call.caller.person_id:  # the assistant herself is calling
        return None
    if screened_only and not _screened(call, person):
        return None
    if person.presence in _PRESENCE_EN:
        why = f"{person.name} {_PRESENCE_EN[person.presence]}: {assistant.name}'s office takes the call"
        why_zh = f"{person.name}{_PRESENCE_ZH[person.presence]}，先转助理{assistant.name}"
    else:
        why = f"{person.name}'s calls are screened: {assistant.name}'s office first"
        why_zh = f"{person.name}的电话由助理先行过滤，先转助理{assistant.name}"
    return Step(StepKind.TRY_ASSISTANT, assistant.id, assistant.name, assistant.extension, "announced",
                call.policy.ring_timeout_s(person.level), announcement=_announce_via(call, person),
                reason=why, reason_zh=why_zh)


def _location(call: _Call, person: Person) -> Step | None:
    if not person.location:
        return None
    rings = call.policy.ring_timeout_s(Level.STAFF)
    return Step(
        StepKind.TRY_LOCATION, person.id, person.name, person.location, "announced", rings,
        announcement=_announce_via(call, person),
        reason=f"{person.name} is known to be elsewhere now: try that extension first",
        reason_zh=f"{person.name}可能在别处，先帮您接到那里看看",
    )


def _mobile(call: _Call, person: Person) -> Step | None:
    if not person.mobile or person.level not in call.policy.mobile_fallback_levels:
        return None
    if not may_connect_mobile(call.caller.channel):
        return None
    rings = call.policy.ring_timeout_s(Level.STAFF)
    return Step(
        StepKind.OFFER_MOBILE, person.id, person.name, person.mobile, _mode(call, person), rings,
        announcement=_announce_to(call, person) if _screened(call, person) else None, connect_only=True,
        reason=f"no answer: offer to try {person.name}'s mobile (connect only, never disclosed)",
        reason_zh=f"无人接听：征得来电者同意后转{person.name}手机（只接通，不透露号码）",
    )


def _operator_break_in(call: _Call) -> Step | None:
    operator = call.directory.organization.operator
    if not operator:
        return None
    return Step(StepKind.OPERATOR, OPERATOR, "总机", operator, "blind", call.policy.ring_timeout_s(Level.STAFF),
                reason="the line is busy and the matter is urgent: the operator can break in (强插)",
                reason_zh="占线且事情紧急：转人工总机，可强插通知")


def _busy_path(call: _Call, message: Step) -> tuple[Step, ...]:
    if call.caller.urgent and call.policy.urgent_retry_busy:
        return tuple(_optional(_operator_break_in(call), message))
    return (message,)


_PRESENCE_EN = {Presence.ON_LEAVE: "is on leave", Presence.IN_MEETING: "is in a meeting", Presence.AWAY: "is away",
                Presence.BUSY: "is busy"}
_PRESENCE_ZH = {Presence.ON_LEAVE: "休假中", Presence.IN_MEETING: "正在开会", Presence.AWAY: "暂时不在",
                Presence.BUSY: "正忙"}


def _message_reason(person: Person) -> tuple[str, str]:
    if person.presence in _PRESENCE_EN:
        return (f"{person.name} {_PRESENCE_EN[person.presence]}: take a message",
                f"{person.name}{_PRESENCE_ZH[person.presence]}，请来电者留言")
    return f"{person.name} could not be reached: take a message", f"未能联系到{person.name}，请来电者留言"


def _alternative(call: _Call, person: Person) -> str | None:
    if person.presence in (Presence.AVAILABLE, Presence.BUSY):
        return None
    department = call.directory.department(person.department)
    return department.id if department is not None and department.extension else None


# --------------------------------------------------------------------------------------
# Departments, the operator, the duty line


def _department_plan(call: _Call, department: Department) -> Plan:
    if not call.state.open:
        return _after_hours_plan(call, department.id, "department", department.name)
    ring = _department_ring(call, department, f"{department.name}'s extension", f"转{department.name}分机")
    message = _message(department.id, department.name, call.caller.urgent,
                       f"{department.name} did not answer: take a message", f"{department.name}无人接听，请来电者留言")
    return _plan(call, department.id, "department", department.name, _optional(ring, message),
                 if_busy=_busy_path(call, message))


def _department_ring(call: _Call, department: Department | None, why: str, why_zh: str) -> Step | None:
    if department is None or not department.extension:
        return None
    return Step(StepKind.RING, department.id, department.name, department.extension, "blind",
                call.policy.ring_timeout_s(Level.STAFF), reason=why, reason_zh=why_zh)


def _operator_plan(call: _Call) -> Plan:
    if not call.state.open:
        return _after_hours_plan(call, OPERATOR, "operator", "总机")
    operator = call.directory.organization.operator
    ring = Step(StepKind.OPERATOR, OPERATOR, "总机", operator, "blind", call.policy.ring_timeout_s(Level.STAFF),
                reason="the caller asked for a person at the front desk", reason_zh="来电者要求人工服务，转总机")
    mailbox = _mailbox_target(call)
    message = _message(mailbox[0], mailbox[1], call.caller.urgent, "the operator did not answer: take a message",
                       "总机无人接听，请来电者留言")
    return _plan(call, OPERATOR, "operator", "总机", _optional(ring if operator else None, message))


def _duty_plan(call: _Call) -> Plan:
    mailbox = _mailbox_target(call)
    steps = [*_duty_steps(call, "值班电话"),
             _message(mailbox[0], mailbox[1], True, "nobody on duty answered: take an urgent message",
                      "值班人员均未接听，请来电者留言（紧急）")]
    return _plan(call, DUTY, "duty", "值班电话", steps, duty_person=_duty_id(call))


def _mailbox_target(call: _Call) -> tuple[str, str]:
    mailbox = call.directory.department(call.policy.general_mailbox or "")
    return (mailbox.id, mailbox.name) if mailbox else (OPERATOR, "总机")


def _after_hours_plan(call: _Call, target: str, kind: str, name: str) -> Plan:
    """Closed: a message for non-urgent callers; the duty line, then the duty manager, for urgent ones."""
    message_target = _mailbox_target(call) if target == OPERATOR else (target, name)
    closed = call.state.reason
    if not call.caller.urgent:
        message = _message(*message_target, False, f"closed, {closed}: take a message, passed on when we open",
                           f"现在是非工作时间（{call.state.reason_zh}），请来电者留言，上班后转告")
        return _plan(call, target, kind, name, [message])
    message = _message(*message_target, True, "nobody on duty answered: take an urgent message",
                       "值班人员均未接听，请来电者留言（紧急）")
    steps = [*_duty_steps(call, name), message]
    return _plan(call, target, kind, name, steps, duty_person=_duty_id(call))


def _duty_id(call: _Call) -> str | None:
    person = duty_person(call.directory, call.at)
    return person.id if person else None


def _duty_steps(call: _Call, wanted: str) -> list[Step]:
    return _optional(_duty_line(call, wanted), _duty_manager(call, wanted))


def _duty_line(call: _Call, wanted: str) -> Step | None:
    phone = call.directory.after_hours.duty_phone
    if not phone:
        return None
    on_duty = duty_person(call.directory, call.at)
    tonight = on_duty.name if on_duty else "值班人员"
    return Step(
        StepKind.DUTY_LINE, DUTY, tonight, phone, "announced", call.policy.ring_timeout_s(Level.STAFF),
        announcement=_announce_duty(call, wanted), urgent=True,
        reason=f"closed and urgent: the duty line, on duty now {tonight}",
        reason_zh=f"非工作时间的紧急来电：转值班电话（当前值班：{tonight}）",
    )


def _duty_manager(call: _Call, wanted: str) -> Step | None:
    manager = call.directory.person(call.directory.after_hours.duty_manager or "")
    by_mobile = manager is not None and bool(manager.mobile) and may_connect_mobile(call.caller.channel)
    if manager is None or not (by_mobile or manager.extension):
        return None
    where, where_zh = ("the mobile (connect only, never disclosed)", "手机（只接通，不透露号码）") if by_mobile \
        else ("the office extension", "办公室分机")
    return Step(
        StepKind.DUTY_MANAGER, manager.id, manager.name, manager.mobile if by_mobile else manager.extension,
        "announced",
        call.policy.ring_timeout_s(Level.STAFF), announcement=_announce_duty(call, wanted),
        connect_only=by_mobile, urgent=True,
        reason=f"the duty line did not answer: the duty manager {manager.name} on {where}",
        reason_zh=f"值班电话无人接听：转值班经理{manager.name}的{where_zh}",
    )


def _message(target: str, name: str, urgent: bool, reason: str, reason_zh: str) -> Step:
    return Step(StepKind.TAKE_MESSAGE, target, name, urgent=urgent, reason=reason, reason_zh=reason_zh)


# --------------------------------------------------------------------------------------
# Announcements: introduce the caller and ask for consent (never "X找你")


_LEVEL_ZH = {Level.STAFF: "普通员工", Level.MANAGER: "经理", Level.DIRECTOR: "总监级", Level.EXECUTIVE: "高层领导"}


def salutation(person: Person) -> str:
    """How the operator addresses a person: "张总" from the aliases, else the full name."""
    for alias in person.aliases:
        if alias[:1] == person.name[:1] and 2 <= len(alias) <= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in alias):
            return alias
    return person.name


def _who(call: _Call) -> tuple[str, str]:
    """The caller as announced, in Chinese and English."""
    caller = call.caller
    if caller.internal and caller.person_id:
        colleague = call.directory.person(caller.person_id)
        department = call.directory.department(colleague.department) if colleague else None
        if department is not None:
            name = caller.name or "同事"
            return f"{department.name}的{name}", f"{name} of {department.name_en or department.name}"
    if caller.name and caller.company:
        return f"{caller.company}的{caller.name}", f"{caller.name} of {caller.company}"
    if caller.name:
        return caller.name, caller.name
    if caller.company:
        return f"{caller.company}的一位先生/女士", f"someone from {caller.company}"
    return ("一位同事", "a colleague") if caller.internal else ("一位来电者", "a caller")


def _about(call: _Call) -> tuple[str, str]:
    purpose = call.caller.purpose
    return (f"，事由：{purpose}", f" about {purpose}") if purpose else ("", "")


def _urgency(call: _Call) -> tuple[str, str]:
    return ("有急事", "urgently ") if call.caller.urgent else ("", "")


def _announce_to(call: _Call, person: Person) -> str:
    """Spoken to the callee: 张总您好，这里是总机，<公司>的<姓名>来电，事由…，请问您接听吗？"""
    who, who_en = _who(call)
    about, about_en = _about(call)
    urgent, urgent_en = _urgency(call)
    if call.english:
        return (f"Hello {person.name_en or person.name}, this is the operator. {who_en[:1].upper()}{who_en[1:]} "
                f"is {urgent_en}calling{about_en}. Will you take the call?")
    return f"{salutation(person)}您好，这里是总机，{who}{urgent}来电{about}，请问您接听吗？"


def _announce_via(call: _Call, person: Person) -> str:
    """Spoken to whoever answers for the person (assistant, the extension where they are)."""
    who, who_en = _who(call)
    about, about_en = _about(call)
    urgent, urgent_en = _urgency(call)
    name = salutation(person)
    if call.english:
        name_en = person.name_en or person.name
        return (f"Hello, this is the operator. {who_en[:1].upper()}{who_en[1:]} would {urgent_en}like to speak "
                f"to {name_en}{about_en}. Can {name_en} take the call?")
    return f"您好，这里是总机，{who}{urgent}来电，希望与{name}通话{about}，请问{name}方便接听吗？"


def _announce_duty(call: _Call, wanted: str) -> str:
    who, who_en = _who(call)
    about, about_en = _about(call)
    if call.english:
        return (f"Hello, this is the operator with an urgent call after hours for {wanted}: "
                f"{who_en}{about_en}. Will you take it?")
    return f"您好，这里是总机，下班时间有紧急来电，要联系{wanted}：{who}{about}，请问您能接听处理吗？"
