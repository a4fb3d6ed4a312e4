"""Small widgets shared by pages. User-written text is only ever rendered as plain text."""

from __future__ import annotations

import re
from datetime import datetime

import streamlit as st

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


def local(value: datetime) -> datetime:
    """A stored (naive UTC) time in the portal's time zone."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    from core.config import get_settings

    return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(get_settings().timezone))


def when(value: datetime | None) -> str:
    """A stored time as a short local date-time, or an em dash."""
    return local(value).strftime("%d %b %Y, %H:%M") if value else "—"
