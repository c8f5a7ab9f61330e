"""Finding whom the caller wants: resolve what they said, ask which one, confirm when unsure."""

from __future__ import annotations

import re

from bot.dialogue import parse
from bot.dialogue.cues import only_fillers, put_through_to
from bot.dialogue.flows.base import TurnBase, _count_word
from bot.dialogue.flows.inquiry import asks_a_question, only_wants_to_ask
from bot.dialogue.frame import MIN_MATTER_CHARS
from bot.dialogue.phrases import say
from bot.dialogue.state import Pending
from bot.directory.resolve import DEPARTMENT, Candidate, Resolution, resolver_for
from bot.directory.topics import Routing, router_for
from bot.org.model import Department
from bot.rules.routing import DUTY

_DUTY_WORDS = re.compile(r"值班|duty (?:manager|officer|line|person|phone)|on[- ]call|on duty|night manager", re.I)
_FINDING = {"request_person", "visitor_checkin", "inform", "urgent",
            "dont_know_name", "give_name", "leave_message", "callback_request", "sales_pitch"}


class Finding(TurnBase):
    """Finding whom the caller wants."""

    def find_target(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        c = self.c
        if intent in {"thank", "deny"} and c.pending == Pending.ANYTHING_ELSE:
            self.closing()
            return
        self.note_identity(text, entities)
        if self.their_line_or_department(text):
            return
        resolution = resolver_for(self.d).resolve(self.without_the_caller(text))
        seeking = intent in _FINDING or c.pending in {Pending.WHOM, Pending.MATTER, Pending.CHOOSE}
        topics = router_for(self.d).route(text) if not resolution.confident else Routing(())
        if self.wants_duty(text) or (c.urgent and not resolution.confident and not self.is_open()):
            c.purpose = c.purpose or parse.clean_matter(text) or None
            c.urgent = True  # asking for the duty line after hours is asking for it now
            self.begin("duty", DUTY)
            return
        if self.is_hotel and self.call_for_a_guest(text, intent, resolution):
            return  # a guest or a room named (flows/hotel.py)
        if intent == "dont_know_name" and not topics.matches:
            self.ask(Pending.MATTER, "ask_matter")
            return
        wanted = put_through_to(text) if resolution.ambiguous else None
        asked_for = self.named_target(wanted) if wanted else None
        by_role = self._pick_by_role([(c_.kind, c_.id) for c_ in resolution.candidates], text) \
            if resolution.ambiguous and asked_for is None else []
        if asked_for is not None:  # "我是车间于海 帮我找一下信息部蒋浩": whom they ask for, not who they are
            self.begin(asked_for.kind, asked_for.id)
        elif resolution.ambiguous and len(by_role) == 1:  # "Yang Liu, the hardware engineer"
            self.begin(resolution.candidates[by_role[0]].kind, resolution.candidates[by_role[0]].id)
        elif resolution.ambiguous and seeking:
            self.ask_which(resolution)
        elif resolution.best and resolution.confident:
            if resolution.best.kind == DEPARTMENT and resolution.best.matched.startswith("topic") \
                    and asks_a_question(text):  # "离职证明一般要多久能开出来": theirs to answer
                self.question_for_a_department(resolution.best.id, text)
            self.begin(resolution.best.kind, resolution.best.id)
        elif resolution.best and seeking and not topics.clear:
            self.confirm(resolution.best)
        elif self.try_faq(text):
            return
        elif self.takes_cases and self.category_for(text) is not None:
            self.open_case(text)  # a hotline: the matter is registered as a case (flows/cases.py)
        elif topics.clear:
            if asks_a_question(text):  # "办居住证要带什么材料": theirs to answer, recorded as theirs
                self.question_for_a_department(topics.clear.department, text)
            self.begin_by_topic(topics.clear.department, text)
        elif len(topics.two_best) == 2:
            self.offer_departments([m.department for m in topics.two_best], text)
        elif only_wants_to_ask(text):
            c.purpose = None  # "我想咨询一下" is no matter yet; the question that follows is
            self.ask(Pending.MATTER, "ask_question")
        elif intent == "greet":
            self.ask(Pending.WHOM if c.pending == Pending.WHOM else None, "how_can_i_help")
        elif c.pending == Pending.MATTER or intent == "inform":
            if (c.pending == Pending.MATTER or asks_a_question(text)) and not only_fillers(text):
                self.record_question(text, None)  # the operator's, or the callback message's
            self.ask(Pending.OFFER_OPERATOR, "faq_unknown")
        elif intent in {"request_person", "visitor_checkin"} and not only_fillers(text):
            self.not_found(text)
        else:
            self.not_understood()

    def wants_duty(self, text: str) -> bool:
        """"帮我找一下值班的", "the duty manager please": after hours, the duty line is a target."""
        return bool(_DUTY_WORDS.search(text)) and not self.is_open() and bool(self.d.after_hours.duty_phone
                                                                               or self.d.after_hours.duty_manager)

    def named_target(self, text: str) -> Candidate | None:
        """The person or department `text` names (by name, alias or extension, not by a topic word) without
        doubt; not in the caller's own company name ("立信会计师事务所" names no 会计室)."""
        resolution = resolver_for(self.d).resolve(self.without_the_caller(text))
        best = resolution.best if resolution.confident else None
        return best if best is not None and not best.matched.startswith("topic") else None

    def named_target_told_apart(self, text: str) -> Candidate | None:
        """Like `named_target`, and when namesakes tie, the one the rest of `text` tells apart
        ("Yang Liu's mobile, the hardware guy")."""
        named = self.named_target(text)
        if named is not None:
            return named
        resolution = resolver_for(self.d).resolve(self.without_the_caller(text))
        tied = [c for c in resolution.candidates if c.kind == "person" and resolution.ambiguous
                and c.score >= resolution.candidates[0].score - 0.05]
        picked = self._pick_by_role([(c.kind, c.id) for c in tied], text)
        return tied[picked[0]] if len(picked) == 1 else None

    def their_line_or_department(self, text: str) -> bool:
        """"put me through to his desk", "那帮我转她们部门吧", "她们财务还有别人吧": the person already
        talked about, on their own line, or someone else in their department."""
        person = self.d.person(self.c.target or "") if self.c.target_kind == "person" else None
        if person is None:
            return False
        if _THEIR_DEPARTMENT.search(text) or (_SOMEONE_ELSE.search(text) and put_through_to(text) is not None):
            self.begin(DEPARTMENT, person.department)
            return True
        if _THEIR_OWN_LINE.search(text):
            self.begin("person", person.id)
            return True
        return False

    def without_the_caller(self, text: str) -> str:
        """`text` without the caller's own company and, on an internal call, the caller's own names:
        "我德邦物流的司机" names no 物流部, "帮我接一下陈总 我技术部宋凯" from 宋凯's phone wants 陈总."""
        own = [self.c.caller_company or ""]
        me = self.d.person(self.c.caller_person or "") if self.c.internal else None
        if me is not None:
            own += [me.name, me.name_en, *me.aliases]
        for words in sorted((w for w in own if w and len(w) >= 2), key=len, reverse=True):
            text = re.sub(re.escape(words), " ", text, flags=re.IGNORECASE)
        return text

    def only_names_someone(self, matter: str) -> bool:
        """"周敏在不在", "就是你们林总", "Henry Du in legal please" name whom the caller wants and
        nothing more; "来建设审批科送补正材料" says more."""
        named = self.named_target(matter)
        if named is None:
            return False
        department = self.d.department(named.department)
        words = {named.name, named.name_en, named.matched.partition(" ")[2], named.department_name,
                 *((department.name_en, *department.aliases) if department else ())} - {""}
        rest = re.sub("|".join(map(re.escape, sorted(words, key=len, reverse=True))), " ", matter, flags=re.IGNORECASE)
        rest = _REQUEST_WORDS.sub(" ", rest)
        if re.search(r"[\u4e00-\u9fff]", rest):
            return len(re.sub(r"\W", "", rest)) < MIN_MATTER_CHARS
        return len(rest.split()) < 2

    def topic_department(self, text: str) -> str | None:
        """The department that clearly handles the matter `text` describes."""
        match = router_for(self.d).route(text).clear
        return match.department if match else None

    def begin_by_topic(self, department: str, text: str) -> None:
        """The caller described a matter, and one department clearly handles it: keep the matter
        (for the announcement or a message) and put them through."""
        self.c.purpose = self.c.purpose or parse.clean_matter(text) or None
        self.begin(DEPARTMENT, department)

    def offer_departments(self, departments: list[str], text: str) -> None:
        """Two departments fit about as well: name both and let the caller choose."""
        self.c.purpose = self.c.purpose or parse.clean_matter(text) or None
        self.c.candidates = [f"{DEPARTMENT}:{ident}" for ident in departments]
        first, second = (self.name_for(ident) for ident in departments)
        self.ask(Pending.CHOOSE, "which_department", first=first, second=second)

    def note_identity(self, text: str, entities: dict[str, str]) -> None:
        """Keep who the caller says they are ("我是星辰贸易的王五，找张总") for screening later."""
        identity = parse.caller_identity(text, entities)
        if identity.name and self.named_target(identity.name):
            identity = parse.Identity(None, identity.company)  # "Kevin. Kevin Brown.": whom they want
        self.c.caller_name = self.c.caller_name or identity.name
        self.c.caller_company = self.c.caller_company or identity.company

    def ask_which(self, resolution: Resolution) -> None:
        top = [cand for cand in resolution.candidates if cand.score >= resolution.candidates[0].score - 0.1][:4]
        self.c.candidates = [f"{cand.kind}:{cand.id}" for cand in top]
        same_name = len({cand.name for cand in top}) == 1
        options = ("，" if self.c.language == "zh" else ", ").join(
            say("ambiguous_option", self.c.language, department=self.dept_label(cand)) if same_name
            else self.label(cand) for cand in top)
        if same_name:
            self.ask(Pending.CHOOSE, "ambiguous", count=_count_word(len(top), self.c.language),
                     name=self.name_of(top[0]), options=options)
        else:
            self.ask(Pending.CHOOSE, "ambiguous_mixed", options=options)

    def confirm(self, candidate: Candidate) -> None:
        self.c.candidates = [f"{candidate.kind}:{candidate.id}"]
        if candidate.kind == "person":
            self.ask(Pending.CONFIRM, "confirm_target", name=self.name_of(candidate),
                     department=self.dept_label(candidate))
        else:
            self.ask(Pending.CONFIRM, "confirm_department", name=self.name_of(candidate))

    def on_choose(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        options = [tuple(key.split(":", 1)) for key in self.c.candidates]
        index = parse.ordinal_choice(text, len(options))
        if index is None:
            resolution = resolver_for(self.d).resolve(text)
            matches = [i for i, (kind, ident) in enumerate(options)
                       if any(cand.id == ident or cand.department == ident for cand in resolution.candidates)]
            matches = matches or [i for i, (_, ident) in enumerate(options)
                                  if self._department_named(ident, text)]
            matches = matches or self._options_by_topic(options, text)
            matches = matches or self._pick_by_role(options, text)
            index = matches[0] if len(set(matches)) == 1 else None
        if index is None:
            self.misunderstood(lambda: self.ask(Pending.CHOOSE, "not_understood"))
            return
        kind, ident = options[index]
        self.begin(kind, ident)

    def _pick_by_role(self, options: list[tuple[str, ...]], text: str) -> list[int]:
        """The offered people whose title, department or its line of work the caller mentions:
        "技术部那个，做硬件的", "the one in sales", "the hardware engineer"."""
        lowered = f" {text.lower()} "
        topics = {m.department for m in router_for(self.d).route(text).matches}
        hits = []
        for index, (kind, ident) in enumerate(options):
            person = self.d.person(ident) if kind == "person" else None
            if person is None:
                continue
            department = self.d.department(person.department)
            words = _role_words(person.title) | _role_words(person.title_en) | _department_words(department)
            if any(word in lowered for word in words) or self._department_named(ident, text) \
                    or person.department in topics:
                hits.append(index)
        return hits if len(hits) < len(options) else []

    def _options_by_topic(self, options: list[tuple[str, ...]], text: str) -> list[int]:
        """"管执照的那边" when offered 登记科 or 税务: the offered department the words point to."""
        offered = {ident: i for i, (kind, ident) in enumerate(options) if kind == DEPARTMENT}
        best = next((m for m in router_for(self.d).route(text).matches if m.department in offered), None)
        return [offered[best.department]] if best else []

    def _department_named(self, person_id: str, text: str) -> bool:
        person = self.d.person(person_id)
        department = self.d.department(person.department) if person else None
        if department is None:
            return False
        words = (department.name, department.name_en, *department.aliases)
        return any(word and word.lower() in text.lower() for word in words)

    def on_confirm(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        wanted = put_through_to(text)
        if answer is True or _THEIR_OWN_LINE.search(text) or (wanted is not None and not self.named_target(wanted)):
            kind, ident = self.c.candidates[0].split(":", 1)
            self.begin(kind, ident)
        elif answer is False and len(text) <= 6:
            self.ask(Pending.WHOM, "ask_whom")
        else:
            self.c.pending = Pending.WHOM
            self.find_target(text, intent, entities)


_THEIR_OWN_LINE = re.compile(r"(?:他|她)(?:的)?(?:办公室|座机|办公电话|分机|工位)|\b(?:his|her|their) (?:office|desk|line|extension)\b",
                             re.IGNORECASE)
""""那你转她办公室吧", "put me through to his desk": the person being talked about, on their own line."""

_THEIR_DEPARTMENT = re.compile(r"(?:他|她)们?(?:的)?(?:部门|科室|科里|部里|那边的人)|\b(?:his|her|their) (?:department|team|section|colleagues?)\b",
                               re.IGNORECASE)
_SOMEONE_ELSE = re.compile(r"还有别人|有没有别人|别的人|其他人|随便\S{0,4}一个|\b(?:anyone|someone|somebody) else\b",
                           re.IGNORECASE)

_REQUEST_WORDS = re.compile(
    r"就是|你们|您们|我们|那个|这个|一下|麻烦|帮我|给我|请问|请|找|转|接|在不在|不在|在|吗|呢|啊|吧|了|的|嗯|呃|呀|"
    r"\b(?:in|at|the|please|of|from|to|speak|talk|with|for|is|there|mr|ms|mrs|dr|department|section|office|i'?d|"
    r"like|can|could|you|me|put|through|hi|hello|hey|um|uh|and|a|is|he|she|available|around|want|need|looking|"
    r"see|get|i|just|then|ok|okay|so)\b", re.IGNORECASE)
"""Words that only carry the request around a name."""

_GENERIC_ROLE_WORDS = frozenset({"工程", "程师", "经理", "专员", "主管", "助理", "秘书", "manager", "officer", "specialist",
                                 "assistant", "senior", "junior", "head", "deputy", "section", "chief", "staff"})


_GENERIC_DEPARTMENT_WORDS = frozenset({"department", "services", "service", "office", "section", "window", "centre",
                                       "center", "team", "division", "and", "the", "of"})


def _department_words(department: Department | None) -> set[str]:
    """"the tax one": the distinctive words of a department's English name (Tax Services → tax)."""
    if department is None:
        return set()
    words = set(re.findall(r"[a-z]{3,}", (department.name_en or "").lower()))
    return {f" {word} " for word in words - _GENERIC_DEPARTMENT_WORDS}


def _role_words(title: str | None) -> set[str]:
    """What a caller may say of someone's job: 硬件 from 硬件工程师, "hardware" from Hardware Engineer."""
    title = (title or "").lower()
    han = "".join(ch for ch in title if "\u4e00" <= ch <= "\u9fff")
    words = {han[i:i + 2] for i in range(len(han) - 1)}
    words |= {w for w in re.findall(r"[a-z]{4,}", title)}
    return words - _GENERIC_ROLE_WORDS
