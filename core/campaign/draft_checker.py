"""The draft checker: what the seeds advise for a meeting request, checked point by point on a draft.

Each check says whether the draft meets the advice and, where it misses, which words are at
fault (as character spans, so a page can highlight them after escaping the text):

- say how you are connected to the person (a follow-up may point back to the first message instead,
  which said it);
- ask for 20 to 30 minutes (a request for an hour or more, or no time at all, misses);
- ask for advice and information, never for a job;
- keep it short for its channel (email under about 100 words, a LinkedIn note within 300
  characters, a phone script that can be said in about a minute);
- end with a question they can answer.

Decisions on false positives: job words are forgiven when the sentence negates them ("I am not
looking for a job"), in "job search", "job market" and "job hunt" (asking for advice about the
search is the point), and "position" after "your/their/his/her" (describing the contact's own role).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.campaign.merge_fields import unfilled

EMAIL_MAX_WORDS = 100
PHONE_MAX_WORDS = 150  # about a minute said aloud
OTHER_MAX_WORDS = 120
LINKEDIN_MAX_CHARS = 300  # LinkedIn's limit for a note with a connection request
MIN_MINUTES, MAX_MINUTES = 15, 30


@dataclass(frozen=True)
class Finding:
    """One piece of advice and whether the draft meets it."""

    key: str
    label: str
    ok: bool
    explanation: str
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class DraftReport:
    """Every finding for one draft, in the order the seeds give the advice."""

    findings: tuple[Finding, ...]
    word_count: int
    char_count: int
    spans: tuple[tuple[int, int], ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(f.ok for f in self.findings)

    def finding(self, key: str) -> Finding:
        """The finding with this key."""
        return next(f for f in self.findings if f.key == key)


_WORD = re.compile(r"[A-Za-z0-9'’-]+")

_CONNECTION = re.compile(
    r"\b(we met|met you|you spoke|heard you|your talk|your presentation|referred|suggested (that )?i|"
    r"recommended|gave me your name|passed on your name|introduc\w*|alumn\w*|fellow (student|graduate|member)|"
    r"graduate of|classmate|professor|advis[oe]r|supervisor|my (aunt|uncle|mother|father|mom|dad|cousin|"
    r"sister|brother|friend|neighbou?r|family|parents?)|career fair|connected on linkedin|we are connected|"
    r"member of|same (school|university|college|program)|worked together|through (our|the|my)|"
    r"career (office|cent(er|re)|services))\b",
    re.IGNORECASE,
)
# A follow-up's connection is the first message it points back to, where the connection was said.
_EARLIER_MESSAGE = re.compile(
    r"\b(following up|follow up on|I wrote (to you )?(last|earlier|on|a few)|"
    r"my (earlier |last |first )?(note|message|email|request) (about|asking|of|from|last))\b",
    re.IGNORECASE,
)

_JOB_WORDS = re.compile(
    r"\b(jobs?|positions?|openings?|hire|hiring|hired|vacanc(y|ies)|employment|work for you|"
    r"work with you at|join your team|any roles?)\b",
    re.IGNORECASE,
)
_JOB_COMPOUNDS = re.compile(r"^\s+(search|searches|searching|market|hunt|hunting|seekers?)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(your|their|his|her)\s+(current\s+)?$", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|never|no|without)\b|n['’]t\b", re.IGNORECASE)

_ADVICE = re.compile(
    r"\b(advice|advise|information|learn\w*|insights?|perspective|understand\w*|hear (about|how|what)|"
    r"your experience|how you got|what the work|explor\w*)\b",
    re.IGNORECASE,
)

_NUMBER_WORDS = {"ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45,
                 "sixty": 60, "five": 5}
_MINUTES = re.compile(
    r"\b(\d{1,3}|ten|fifteen|twenty|thirty|forty-five|forty|sixty|five)"
    r"(\s*(?:-|–|to|or)\s*(\d{1,3}|fifteen|twenty|thirty|forty-five|forty|sixty))?\s*-?\s*(minutes?|mins?)\b",
    re.IGNORECASE,
)
_HALF_HOUR = re.compile(r"\b(half an hour|half-hour|half hour|30-minute)\b", re.IGNORECASE)
_HOURS = re.compile(r"\b(an|one|1|two|2|a couple of|few|several)\s+hours?\b|\bhour-long\b|\ban hour\b",
                    re.IGNORECASE)


def check_draft(body: str, *, channel: str = "email", subject: str = "") -> DraftReport:
    """Check a draft request against the seeds' advice for its channel ('email', 'linkedin', 'phone', 'other')."""
    text = body or ""
    words = _WORD.findall(text)
    findings = (
        _check_connection(text),
        _check_time(text),
        _check_no_job(text),
        _check_advice(text),
        _check_length(text, channel, words),
        _check_question(text),
        _check_unfilled(text + "\n" + (subject or "")),
    )
    spans = tuple(sorted({s for f in findings for s in f.spans}))
    return DraftReport(findings=findings, word_count=len(words), char_count=len(text.strip()), spans=spans)


def _check_connection(text: str) -> Finding:
    label = "Says how you are connected"
    if "{connection}" in text:
        return Finding("connection", label, False, "Replace {connection} with how you found this person.")
    match = _CONNECTION.search(text)
    if match:
        return Finding("connection", label, True, f"You name the connection (\u201c{match.group(0)}\u201d).")
    match = _EARLIER_MESSAGE.search(text)
    if match:
        return Finding("connection", label, True, f"You point back to your first message (\u201c{match.group(0)}"
                       "\u201d), where you said how you are connected.")
    return Finding("connection", label, False,
                   "Open with how you know of them: who referred you, where you met, or the school you share.")


def _check_time(text: str) -> Finding:
    label = "Asks for 20 to 30 minutes"
    hour_spans = tuple(m.span() for m in _HOURS.finditer(text) if not _HALF_HOUR.search(_around(text, m.span())))
    long_spans: list[tuple[int, int]] = []
    short_ok = bool(_HALF_HOUR.search(text))
    for m in _MINUTES.finditer(text):
        low = _number(m.group(1))
        high = _number(m.group(3)) if m.group(3) else low
        if high > MAX_MINUTES:
            long_spans.append(m.span())
        elif low >= MIN_MINUTES or high >= MIN_MINUTES:
            short_ok = True
    too_long = hour_spans + tuple(long_spans)
    if too_long:
        return Finding("time", label, False,
                       "Ask for a short meeting: 20 to 30 minutes is easier to say yes to than an hour.", too_long)
    if short_ok:
        return Finding("time", label, True, "You ask for a short, bounded amount of time.")
    return Finding("time", label, False, "Say how much time you ask for, for example \u201c20 minutes\u201d.")


def _check_no_job(text: str) -> Finding:
    label = "Asks for advice, not a job"
    flagged = []
    for m in _JOB_WORDS.finditer(text):
        word = m.group(0).lower()
        before = text[_sentence_start(text, m.start()):m.start()]
        if word.startswith("job") and _JOB_COMPOUNDS.match(text[m.end():]):
            continue
        if word.startswith("position") and _POSSESSIVE.search(before):
            continue
        if _NEGATION.search(" ".join(before.split()[-6:])):
            continue
        flagged.append(m.span())
    if flagged:
        return Finding("no_job", label, False,
                       "Leave out any request for a job, a position or an opening: you are asking to learn.",
                       tuple(flagged))
    return Finding("no_job", label, True, "Nothing in the draft asks for a job.")


def _check_advice(text: str) -> Finding:
    label = "Says you want advice or information"
    if _ADVICE.search(text):
        return Finding("advice", label, True, "You say what you hope to learn.")
    return Finding("advice", label, False, "Say that you are asking for their advice or to learn about their work.")


def _check_length(text: str, channel: str, words: list[str]) -> Finding:
    if channel == "linkedin":
        label = f"Fits a LinkedIn note ({LINKEDIN_MAX_CHARS} characters)"
        size = len(text.strip())
        if size <= LINKEDIN_MAX_CHARS:
            return Finding("length", label, True, f"{size} characters: it fits.")
        start = len(text) - len(text.lstrip()) + LINKEDIN_MAX_CHARS
        return Finding("length", label, False,
                       f"{size} characters: cut {size - LINKEDIN_MAX_CHARS} to fit a connection note.",
                       ((start, len(text.rstrip())),))
    limit = {"email": EMAIL_MAX_WORDS, "phone": PHONE_MAX_WORDS}.get(channel, OTHER_MAX_WORDS)
    what = {"email": "an email", "phone": "a phone script (about a minute)"}.get(channel, "a message")
    label = f"Short enough for {what} (under {limit} words)"
    if len(words) < limit:
        return Finding("length", label, True, f"{len(words)} words.")
    over = list(_WORD.finditer(text))[limit - 1:]
    return Finding("length", label, False, f"{len(words)} words: aim for fewer than {limit}.",
                   ((over[0].start(), over[-1].end()),))


def _check_question(text: str) -> Finding:
    label = "Ends with a question"
    # The last line with some substance; short sign-off lines ("Best regards,", a name) are skipped.
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    substantive = [ln for ln in lines if len(_WORD.findall(ln)) > 4 or ln.endswith("?")]
    if substantive and substantive[-1].rstrip(" )\"'’”").endswith("?"):
        return Finding("question", label, True, "You close with a question they can answer.")
    return Finding("question", label, False,
                   "Close with a question, such as \u201cWould you have 20 minutes in the next few weeks?\u201d")


def _check_unfilled(text: str) -> Finding:
    missing = unfilled(text)
    if missing:
        return Finding("merge_fields", "Every merge field filled", False,
                       "Still in braces: " + ", ".join("{" + m + "}" for m in missing) + ".")
    return Finding("merge_fields", "Every merge field filled", True, "No placeholders left.")


def highlight_segments(text: str, spans: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The text cut into (piece, flagged) runs, for rendering with escaping and highlighting."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in sorted(_merge(spans)):
        if start > pos:
            out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def _merge(spans) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word.lower(), 0)


def _sentence_start(text: str, index: int) -> int:
    cut = max(text.rfind(ch, 0, index) for ch in ".!?\n")
    return cut + 1


def _around(text: str, span: tuple[int, int]) -> str:
    return text[max(0, span[0] - 6): span[1] + 2]
