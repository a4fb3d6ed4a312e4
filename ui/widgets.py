"""Small widgets shared by pages. User-written text is only ever rendered as plain text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import streamlit as st

from core.config import get_settings
from core.models import Stage, stage_label

STAGE_COLORS = {
    Stage.TARGET: "gray",
    Stage.RESEARCH: "blue",
    Stage.OUTREACH: "violet",
    Stage.INTERVIEW: "orange",
    Stage.THANK: "green",
    Stage.REFLECT: "green",
    Stage.KEEP_IN_TOUCH: "primary",
}


def stage_badge(stage: str | Stage, reply: str | None = None) -> None:
    """A coloured badge naming a contact's stage, with the reply at the outreach stage (accepted, declined)."""
    stage = Stage(stage)
    color = STAGE_COLORS[stage]
    if stage == Stage.OUTREACH and reply == "declined":
        color = "red"
    elif stage == Stage.OUTREACH and reply == "accepted":
        color = "green"
    st.badge(stage_label(stage, reply), color=color)


# Invisible word joiner placed inside what a Markdown renderer would turn into a link on its own
# (bare web addresses, www. names, email addresses): the text reads the same and links nothing.
_WORD_JOINER = "\u2060"
# The punctuation that can start markup, links, HTML, entities, math or Streamlit directives.
_MARKUP = set("\\`*_{}[]()#+-.!|<>~$:&=")
_AUTOLINK = re.compile(r"(?i)(:)(//)|(www)(\.)|(@)|(mailto)(:)")


def _break_autolinks(text: str) -> str:
    return _AUTOLINK.sub(lambda m: _WORD_JOINER.join(g for g in m.groups() if g) + _WORD_JOINER, text)


def md_escape(text: str | None) -> str:
    """Text made inert inside markdown: no markup, link, image, HTML or directive can come of it.

    Every character that can start markup is backslash-escaped,
    and bare addresses that the renderer would link by itself are broken with an invisible joiner.
    """
    if not text:
        return ""
    out = []
    for ch in _break_autolinks(str(text)):
        out.append("\\" + ch if ch in _MARKUP else ch)
    return "".join(out).replace("\n", "  \n")


def short(text: str, limit: int = 60) -> str:
    """Text short enough to name a button: whole, or its first words and an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def local(value: datetime) -> datetime:
    """A stored (naive UTC) time in the portal's time zone."""
    return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(get_settings().timezone))


def when(value: datetime | None) -> str:
    """A stored time as a short local date-time, or an em dash."""
    return local(value).strftime("%d %b %Y, %H:%M") if value else "—"


def table_times(values: Iterable[datetime | None]) -> list[datetime | None]:
    """A table column of stored times as the portal's local wall-clock times: a table draws a time as it is
    given, so a stored (UTC) time would show as UTC."""
    return [local(v).replace(tzinfo=None) if v is not None else None for v in values]


_ACTIONS = {"All": None, "Create": "create", "Update": "update", "Rejected": "reject"}


def import_preview(plan, *, key: str, new_label: str, rejected_note: str) -> dict[str, int]:
    """The preview of a CSV import before anything is written (the roster's, the volunteer directory's):
    how many lines each action takes, the lines themselves (shown by action) with why or what changes,
    and what happens to rejected lines. `plan` counts actions (`count`) and gives its lines as table
    rows (`as_rows`, an "Action" column among them). Returns the count per action."""
    counts = {a: plan.count(a) for a in ("create", "update", "unchanged", "reject")}
    cols = st.columns(4)
    cols[0].metric(new_label, counts["create"])
    cols[1].metric("To update", counts["update"])
    cols[2].metric("Already up to date", counts["unchanged"])
    cols[3].metric("Rejected", counts["reject"])
    show = st.segmented_control("Show", list(_ACTIONS), default="All", key=f"{key}_filter")
    wanted = _ACTIONS[show or "All"]
    st.dataframe([r for r in plan.as_rows() if wanted is None or r["Action"] == wanted],
                 hide_index=True, width="stretch",
                 column_config={"Why / what changes": st.column_config.TextColumn(width="large")})
    if counts["reject"]:
        st.caption(rejected_note)
    return counts


# Axis words at the page's own text colour: Streamlit's chart theme greys them to 3.7:1 against white.
CHART_INK = "#31333F"


def readable(chart):
    """An Altair chart with its axis labels and titles at the page's text colour (4.5:1 or better)."""
    return chart.configure_axis(labelColor=CHART_INK, titleColor=CHART_INK).configure_legend(
        labelColor=CHART_INK, titleColor=CHART_INK)


def counted(n: int, one: str, many: str | None = None) -> str:
    """'1 contact', '3 contacts'."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def chart_in_words(summary: str, table, *, title: str, key: str) -> None:
    """A chart's text alternative, under it: one sentence saying what it shows (markdown, names escaped by the
    caller), and the figures it draws as a table, opened by "<title> as a table"."""
    st.markdown(summary)
    with st.expander(f"{title} as a table", key=f"{key}_as_table"):
        st.dataframe(table, hide_index=True, width="stretch")
