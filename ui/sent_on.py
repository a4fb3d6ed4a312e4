"""When a message went out: the "Sent on" day and "At" time a student gives when logging a message sent
earlier (a request, a thank-you, a keep-in-touch note), in the portal's time zone as every page shows times.

One helper for every page that marks something sent, so the fields read and convert the same way everywhere;
core judges the time (not in the future, not before what the message follows) and says what is wrong.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import streamlit as st

from core.campaign.meetings import to_utc
from core.clock import utcnow
from core.config import get_settings
from ui.widgets import local

_DRAWN = "sent_on_drawn_"


def sent_on(key: str, *, columns: tuple[Any, Any] | None = None) -> datetime | None:
    """Draw "Sent on" and "At" (filled with now when first drawn; `columns`: where to draw each) and return the
    moment they name as naive UTC, or None while they still say the moment they were drawn: the message went
    out now, and core stamps the moment of saving."""
    if _DRAWN + key not in st.session_state:
        drawn = local(utcnow())
        st.session_state[_DRAWN + key] = (drawn.date(), time(drawn.hour, drawn.minute))
    drawn_day, drawn_time = st.session_state[_DRAWN + key]
    day_box, time_box = columns if columns is not None else st.columns(2)
    day = day_box.date_input("Sent on", value=drawn_day, max_value=max(drawn_day, local(utcnow()).date()),
                             key=f"{key}_day", help="The day it went out, if not today")
    at = time_box.time_input("At", value=drawn_time, key=f"{key}_time",
                             help=f"The time it went out ({get_settings().timezone} time)")
    if (day, at) == (drawn_day, drawn_time):
        return None
    # The day and time were given in the portal's time zone, as shown everywhere else.
    return to_utc(datetime.combine(day, at), get_settings().timezone)
