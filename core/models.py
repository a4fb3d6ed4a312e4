"""Pydantic models per entity: XCreate (form input), XUpdate, X (stored row), with readable validation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.clock import check_timezone
from core.config import get_settings
from core.rules.timing import FOLLOW_UP_BUSINESS_DAYS, STALLED_AFTER_DAYS, THANK_YOU_WINDOW_HOURS

# ---------------------------------------------------------------- vocabularies


class Role(StrEnum):
    STUDENT = "student"
    COUNSELOR = "counselor"
    ADMIN = "admin"


class Stage(StrEnum):
    """Pipeline stages in order; a contact's stage is the furthest one its facts reach."""

    TARGET = "target"
    RESEARCH = "research"
    OUTREACH = "outreach"
    INTERVIEW = "interview"
    THANK = "thank"
    REFLECT = "reflect"
    KEEP_IN_TOUCH = "keep_in_touch"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def order(self) -> int:
        return list(Stage).index(self)


STAGE_LABELS = {
    Stage.TARGET: "Target",
    Stage.RESEARCH: "Research",
    Stage.OUTREACH: "Outreach sent",
    Stage.INTERVIEW: "Interviewed",
    Stage.THANK: "Thanked",
    Stage.REFLECT: "Reflected",
    Stage.KEEP_IN_TOUCH: "Keeping in touch",
}


REPLY_STAGE_WORDS = {"accepted": "accepted", "declined": "declined"}


def stage_label(stage: "str | Stage", reply: str | None = None) -> str:
    """A contact's stage in words; at the outreach stage the reply shows too ("Outreach sent · accepted")."""
    stage = Stage(stage)
    words = REPLY_STAGE_WORDS.get(reply or "")
    if stage == Stage.OUTREACH and words:
        return f"{STAGE_LABELS[stage]} · {words}"
    return STAGE_LABELS[stage]


class Source(StrEnum):
    """Where a student found a contact (PRODUCT.md, stage 1)."""

    ALUMNI = "alumni_network"
    LINKEDIN = "linkedin"
    FAMILY = "family"
    FRIEND = "friend"
    PROFESSOR = "professor"
    CLASSMATE = "classmate"
    CAREER_FAIR = "career_fair"
    ASSOCIATION = "professional_association"
    GUEST_SPEAKER = "guest_speaker"
    FORMER_SUPERVISOR = "former_supervisor"
    REFERRAL = "referral"
    VOLUNTEER = "career_office_volunteer"
    OTHER = "other"


SOURCE_LABELS = {
    Source.ALUMNI: "Alumni network",
    Source.LINKEDIN: "LinkedIn",
    Source.FAMILY: "Family",
    Source.FRIEND: "Friend",
    Source.PROFESSOR: "Professor",
    Source.CLASSMATE: "Classmate",
    Source.CAREER_FAIR: "Career fair",
    Source.ASSOCIATION: "Professional association",
    Source.GUEST_SPEAKER: "Guest speaker",
    Source.FORMER_SUPERVISOR: "Former supervisor",
    Source.REFERRAL: "Referral from another contact",
    Source.VOLUNTEER: "Career office volunteer",
    Source.OTHER: "Other",
}


class Channel(StrEnum):
    EMAIL = "email"
    LINKEDIN = "linkedin"
    PHONE = "phone"
    OTHER = "other"


class Reply(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_REPLY = "no_reply"


class MeetingMode(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    EMAIL = "email"


class FollowUpKind(StrEnum):
    NEWS = "news"
    RESOURCE = "resource"
    CHECK_IN = "check_in"
    WHERE_I_LANDED = "where_i_landed"
    OTHER = "other"


class OutcomeKind(StrEnum):
    INTERNSHIP = "internship"
    JOB_OFFER = "job_offer"
    NONE = "none"
    OTHER = "other"


class GoalMetric(StrEnum):
    """What a cohort goal counts, per student."""

    TARGETS = "targets"
    RESEARCHED = "researched"
    OUTREACH_SENT = "outreach_sent"
    INTERVIEWS = "interviews"
    THANKED = "thanked"
    REFLECTIONS = "reflections"
    REFERRALS = "referrals"


GOAL_LABELS = {
    GoalMetric.TARGETS: "targets",
    GoalMetric.RESEARCHED: "contacts researched",
    GoalMetric.OUTREACH_SENT: "requests sent",
    GoalMetric.INTERVIEWS: "interviews held",
    GoalMetric.THANKED: "thank-yous sent",
    GoalMetric.REFLECTIONS: "reflections written",
    GoalMetric.REFERRALS: "referrals gained",
}

# ---------------------------------------------------------------- field types

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


def _check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError("is not an email address (expected something like name@example.edu)")
    return value.lower()


def _check_optional_email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return _check_email(value)


def _check_username(value: str) -> str:
    value = value.strip().lower()
    if not _USERNAME.match(value):
        raise ValueError("use 2-40 lowercase letters, digits, dots, dashes or underscores")
    return value


def _strip(value: str) -> str:
    return value.strip()


# ---------------------------------------------------------------- text: one rule for every field

# What no field may hold: NUL and the other control characters (tab, line feed and carriage return aside), and lone
# surrogates (half of a character, from a broken paste), which neither store can write.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# What a one-line field (a name, a title, a search) may not hold either.
_LINE_BREAK = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")

NOT_TEXT_WORDS = "holds characters that are not text (often a broken copy and paste); retype that part"
CONTROL_WORDS = "holds a control character (such as NUL, escape or bell) that is not text; retype that part"
ONE_LINE_WORDS = "must be on one line, without tabs or line breaks"

FORMULA_START = ("=", "+", "-", "@")
"""What a person's name may not start with: a spreadsheet would run the cell as a formula."""
FORMULA_WORDS = "cannot start with =, +, - or @ (a spreadsheet would run it as a formula)"


def text_problem(value: Any, *, one_line: bool = False) -> str | None:
    """Why a text cannot be stored as it is, in words that follow the field's name, or None.

    The one rule for text everywhere: no NUL, no lone surrogate, no control character; a one-line
    field holds no tab or line break either (a multi-line field keeps tabs and line breaks).
    """
    if isinstance(value, (list, tuple)):
        return next((p for v in value if (p := text_problem(v, one_line=one_line))), None)
    if not isinstance(value, str):
        return None
    if _SURROGATE.search(value):
        return NOT_TEXT_WORDS
    if _NOT_TEXT.search(value):
        return CONTROL_WORDS
    if one_line and _LINE_BREAK.search(value):
        return ONE_LINE_WORDS
    return None


def name_problem(value: str) -> str | None:
    """Why a person's name (first or last) cannot be taken as it is, or None: the text rule for one line, and no
    formula's first sign. Every form and importer of people's names (roster, volunteers, LinkedIn) uses it."""
    return text_problem(value, one_line=True) or (FORMULA_WORDS if value.strip().startswith(FORMULA_START) else None)


def searchable(text: str | None, *, limit: int = 200) -> str:
    """A search box's words on one line, with what cannot be text (NUL, control characters, half characters)
    dropped: a search stores nothing, so it is cleaned rather than refused."""
    return " ".join(_NOT_TEXT.sub("", text or "").split())[:limit]


def _one_line(value: str) -> str:
    if problem := text_problem(value, one_line=True):
        raise ValueError(problem)
    return value


def _person_name(value: str) -> str:
    if problem := name_problem(value):
        raise ValueError(problem)
    return value


Email = Annotated[str, AfterValidator(_check_email)]
OptionalEmail = Annotated[str | None, AfterValidator(_check_optional_email)]
Username = Annotated[str, AfterValidator(_check_username)]
Name = Annotated[str, AfterValidator(_strip), AfterValidator(_one_line), Field(min_length=1, max_length=100)]
PersonName = Annotated[str, AfterValidator(_strip), AfterValidator(_person_name), Field(min_length=1, max_length=100)]
"""A person's first name (required); LastName the optional last name. One rule in every form and importer."""
LastName = Annotated[str, AfterValidator(_strip), AfterValidator(_person_name), Field(max_length=100)]
ShortText = Annotated[str, AfterValidator(_strip), AfterValidator(_one_line), Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]


def _unreadable(value: Any) -> bool:
    """Whether a value holds text that cannot be stored (a lone surrogate, NUL or another control character)."""
    return text_problem(value) is not None


class _Model(BaseModel):
    """Form input: unknown fields refused, broken text and time-zone-aware times refused with a message."""

    model_config = ConfigDict(str_strip_whitespace=False, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _text_only(cls, value: Any) -> Any:
        # The text rule, for every field of every form: the message sits next to the field it is about.
        if problem := text_problem(value):
            raise ValueError(problem)
        return value

    @model_validator(mode="before")
    @classmethod
    def _clean_input(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if isinstance(value, datetime) and value.tzinfo is not None:
                    raise ValueError(f"{name.replace('_', ' ').capitalize()} must be a local date and time "
                                     "without a time zone of its own")
        return data


# ---------------------------------------------------------------- people and cohorts


@dataclass(frozen=True)
class Actor:
    """The signed-in user on whose behalf a core function runs (SYSTEM: the portal's own scheduled work)."""

    user_id: int
    role: Role
    name: str = ""

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def is_counselor(self) -> bool:
        return self.role == Role.COUNSELOR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


# The portal itself, acting for scheduled work and command-line tools: an admin that is always active.
SYSTEM = Actor(user_id=0, role=Role.ADMIN, name="system")


# The longest password the portal takes (NIST SP 800-63B asks for at least 64): room for a passphrase,
# while a pasted page of text is refused. The rest of the password rule is core.identity.accounts'.
PASSWORD_MAX_LENGTH = 256


class UserCreate(_Model):
    username: Username
    email: Email
    first_name: PersonName
    last_name: PersonName
    role: Role
    password: str = Field(min_length=8, max_length=PASSWORD_MAX_LENGTH)
    student_number: ShortText | None = None
    must_change_password: bool = False


class User(BaseModel):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: Role
    active: bool
    must_change_password: bool
    student_number: str | None = None
    failed_login_attempts: int = 0
    created_at: datetime
    last_login_at: datetime | None = None
    version: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CohortCreate(_Model):
    """A new cohort. Its term is required on every path (page, roster script, demo seed): a cohort
    without dates shows "? to ?" in every list and cannot pace its goals."""

    name: Name
    term_start: date
    term_end: date
    # Unless given, the portal's settings for new cohorts (core.config; defaults in core/rules/timing.py).
    thank_you_window_hours: int = Field(default_factory=lambda: get_settings().thank_you_window_hours,
                                        ge=THANK_YOU_WINDOW_HOURS.low, le=THANK_YOU_WINDOW_HOURS.high)
    stalled_after_days: int = Field(default_factory=lambda: get_settings().stalled_after_days,
                                    ge=STALLED_AFTER_DAYS.low, le=STALLED_AFTER_DAYS.high)
    follow_up_business_days: int = Field(default_factory=lambda: get_settings().follow_up_business_days,
                                         ge=FOLLOW_UP_BUSINESS_DAYS.low, le=FOLLOW_UP_BUSINESS_DAYS.high)

    @field_validator("term_start", mode="before")
    @classmethod
    def _start_given(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("is required: pick the first day of the term")
        return value

    @field_validator("term_end", mode="before")
    @classmethod
    def _end_given(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("is required: pick the last day of the term")
        return value

    @field_validator("term_end")
    @classmethod
    def _end_after_start(cls, value: date, info: Any) -> date:
        start = info.data.get("term_start")
        if start is not None and value <= start:
            raise ValueError("must be after the term start")
        return value


class CohortUpdate(_Model):
    name: Name | None = None
    term_start: date | None = None
    term_end: date | None = None
    thank_you_window_hours: int | None = Field(default=None, ge=THANK_YOU_WINDOW_HOURS.low,
                                               le=THANK_YOU_WINDOW_HOURS.high)
    stalled_after_days: int | None = Field(default=None, ge=STALLED_AFTER_DAYS.low, le=STALLED_AFTER_DAYS.high)
    follow_up_business_days: int | None = Field(default=None, ge=FOLLOW_UP_BUSINESS_DAYS.low,
                                                le=FOLLOW_UP_BUSINESS_DAYS.high)


class Cohort(BaseModel):
    id: int
    name: str
    term_start: date | None = None
    term_end: date | None = None
    thank_you_window_hours: int
    stalled_after_days: int
    follow_up_business_days: int
    archived_at: datetime | None = None
    created_at: datetime
    version: int = 1


class GoalCreate(_Model):
    metric: GoalMetric
    target_count: int = Field(ge=1, le=500)
    due_on: date | None = None


# ---------------------------------------------------------------- the pipeline


class ContactCreate(_Model):
    first_name: PersonName
    last_name: LastName = ""
    organization: ShortText = ""
    title: ShortText = ""
    field: ShortText = ""
    focus_occupation_id: int | None = None
    source: Source = Source.OTHER
    source_detail: ShortText = ""
    email: OptionalEmail = None
    phone: Annotated[str | None, Field(max_length=40)] = None
    linkedin_url: Annotated[str | None, Field(max_length=300)] = None
    other_channel: Annotated[str | None, Field(max_length=200)] = None
    priority: int = Field(default=2, ge=1, le=3)
    connected_on: date | None = None

    @field_validator("linkedin_url")
    @classmethod
    def _linkedin(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.match(r"^https?://", value, re.IGNORECASE):
            raise ValueError("must be a web address starting with https://")
        return value

    @field_validator("phone", "other_channel")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class ContactPreference(StrEnum):
    """How a volunteer likes students to get in touch."""

    EMAIL = "email"
    LINKEDIN = "linkedin"
    PHONE = "phone"
    VIDEO = "video"


CONTACT_PREFERENCE_LABELS = {
    ContactPreference.EMAIL: "Email",
    ContactPreference.LINKEDIN: "LinkedIn message",
    ContactPreference.PHONE: "Phone call",
    ContactPreference.VIDEO: "Video call",
}


class VolunteerCreate(_Model):
    """An alumni or employer volunteer in the career office's directory."""

    first_name: PersonName
    last_name: LastName = ""
    email: Email
    organization: ShortText = ""
    title: ShortText = ""
    occupation: ShortText = ""
    topics: Annotated[str, AfterValidator(_strip), Field(max_length=500)] = ""
    contact_preference: ContactPreference = ContactPreference.EMAIL
    linkedin_url: Annotated[str | None, Field(max_length=300)] = None
    capacity_per_term: int = Field(default=3, ge=0, le=100)
    active: bool = True

    @field_validator("linkedin_url")
    @classmethod
    def _linkedin(cls, value: str | None) -> str | None:
        return ContactCreate._linkedin(value)


class ContactUpdate(ContactCreate):
    """Every editable field of a contact (the form sends them all)."""


class Contact(BaseModel):
    id: int
    student_id: int
    first_name: str
    last_name: str
    organization: str
    title: str
    field: str
    focus_occupation_id: int | None = None
    source: str
    source_detail: str = ""
    email: str | None = None
    phone: str | None = None
    linkedin_url: str | None = None
    other_channel: str | None = None
    priority: int
    referred_by_contact_id: int | None = None
    referred_in_meeting_id: int | None = None
    may_use_referrer_name: bool | None = None
    connected_on: date | None = None
    archived_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    stage: Stage = Stage.TARGET
    stage_at: datetime | None = None
    outreach_reply: str | None = None
    version: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ResearchUpdate(_Model):
    about_person: LongText = ""
    about_organization: LongText = ""
    about_field: LongText = ""
    links: LongText = ""


class PlannedQuestionCreate(_Model):
    text: Annotated[str, AfterValidator(_strip), Field(min_length=3, max_length=500)]
    category: ShortText = "own"
    library_item_id: int | None = None


class OutreachCreate(_Model):
    channel: Channel
    purpose: str = Field(default="request", pattern="^(request|follow_up)$")
    subject: ShortText = ""
    body: Annotated[str, Field(min_length=1, max_length=10_000)]
    library_item_id: int | None = None


class MeetingCreate(_Model):
    starts_at_local: datetime
    timezone: str
    duration_minutes: int = Field(default=30, ge=5, le=240)
    mode: MeetingMode
    location: ShortText = ""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)


class MeetingLog(_Model):
    insights: LongText = ""
    skill_words: LongText = ""
    advice: LongText = ""
    resources: LongText = ""
    resume_feedback: LongText = ""


class ThankYouCreate(_Model):
    body: Annotated[str, Field(min_length=1, max_length=10_000)]
    channel: Channel = Channel.EMAIL


class ReflectionCreate(_Model):
    feelings: LongText = ""
    see_myself: LongText = ""
    view_changed: LongText = ""
    still_need: LongText = ""
    fit_rating: int | None = Field(default=None, ge=1, le=5)
    is_private: bool = False


class FollowUpCreate(_Model):
    kind: FollowUpKind
    body: LongText = ""
    due_on: date | None = None


class OutcomeCreate(_Model):
    kind: OutcomeKind
    organization: ShortText = ""
    title: ShortText = ""
    description: LongText = ""
    decided_on: date | None = None
    helped_contact_ids: list[int] = []


class CommentCreate(_Model):
    subject_type: str = Field(pattern="^(student|contact|outreach|meeting|thank_you|reflection|follow_up|outcome)$")
    subject_id: int
    body: Annotated[str, AfterValidator(_strip), Field(min_length=1, max_length=5_000)]


# ---------------------------------------------------------------- readable errors

_FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "username": "Username",
    "linkedin_url": "LinkedIn address",
    "starts_at_local": "Date and time",
    "target_count": "Target",
}


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Field name -> one readable sentence, for showing next to the form field."""
    out: dict[str, str] = {}
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "form"
        label = _FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
        msg = err["msg"]
        msg = msg.removeprefix("Value error, ")
        if err["type"] in ("string_too_short", "too_short"):
            least = err.get("ctx", {}).get("min_length", 1)
            msg = "is required" if least == 1 else f"needs at least {least} characters"
        elif err["type"] == "missing":
            msg = "is required"
        elif err["type"] in ("string_too_long", "too_long"):
            msg = f"is too long (at most {err['ctx']['max_length']:,} characters)"
        elif err["type"] == "extra_forbidden":
            msg = "is not a field of this form"
        out.setdefault(field, f"{label} {msg}" if not msg[:1].isupper() else f"{label}: {msg}")
    return out


def describe(exc: ValidationError) -> str:
    """All field errors in one paragraph."""
    return "; ".join(field_errors(exc).values())


class ReferralCreate(_Model):
    """A person the interviewee suggested; becomes a new target linked to who referred them."""

    first_name: PersonName
    last_name: LastName = ""
    organization: ShortText = ""
    title: ShortText = ""
    email: OptionalEmail = None
    may_use_name: bool = False
    note: ShortText = ""


class MeetingNote(_Model):
    question: Annotated[str, AfterValidator(_strip), Field(min_length=1, max_length=500)]
    answer: LongText = ""
    planned_question_id: int | None = None


# ---------------------------------------------------------------- oversight: comments, cohorts, library


class CommentEdit(_Model):
    """The new text of one's own comment."""

    body: Annotated[str, AfterValidator(_strip), Field(min_length=1, max_length=5_000)]


# The Cohorts page's name for the same rules, kept for callers written when only the page required a term.
CohortTermForm = CohortCreate


class GoalUpdate(_Model):
    """A cohort goal's new target and due date (what it counts stays: retire it and add another)."""

    target_count: int = Field(ge=1, le=500)
    due_on: date | None = None
