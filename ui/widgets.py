"""Small widgets shared by pages. User-written text is only ever rendered as plain text."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from core.models import Stage

STAGE_COLORS = {
    Stage.TARGET: "gray",
    Stage.RESEARCH: "blue",
    Stage.OUTREACH: "violet",
    Stage.INTERVIEW: "orange",
    Stage.THANK: "green",
    Stage.REFLECT: "green",
    Stage.KEEP_IN_TOUCH: "primary",
}


def stage_badge(stage: str | Stage) -> None:
    """A coloured badge naming a contact's stage."""
    stage = Stage(stage)
    st.badge(stage.label, color=STAGE_COLORS[stage])


def md_escape(text: str | None) -> str:
    """Text made safe to place inside markdown: no markup, links or HTML take effect."""
    if not text:
        return ""
    out = []
    for ch in str(text):
        if ch in "\\`*_{}[]()#+-.!|<>~$:":
            out.append("\\" + ch)
        else:
            out.append(ch)
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
