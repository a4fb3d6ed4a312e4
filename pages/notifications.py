"""Notifications: what the portal told you, newest first; open one at its page, mark read, mark all read."""

import streamlit as st

from core.messaging.notify import KINDS, list_notifications, mark_all_read, mark_read, unread_count
from core.models import Role
from ui import forms
from ui.guard import require
from ui.notifications import open_notification
from ui.widgets import md_escape, short, when

db, actor = require(Role.STUDENT, Role.COUNSELOR, Role.ADMIN)
P = "notifications"
PAGE_SIZE = 20
_EMPTY = {
    Role.STUDENT: "Reminders appear here when a thank-you is due, a follow-up or a meeting comes up, "
                  "a keep-in-touch note falls due, or your counselor comments on your work.",
    Role.COUNSELOR: "Notes appear here when a student answers you, and your digest of your cohorts "
                    "(stalled students, overdue thank-yous, goals off track).",
    Role.ADMIN: "Alerts appear here when scheduled work fails (a reminder run, a backup, an export or an email "
                "send), with your digest of the cohorts you follow.",
}

st.title("Notifications", anchor=False)
if notice := st.session_state.pop(f"{P}_notice", None):
    st.success(notice)

unread = unread_count(db, actor)
top_left, top_right = st.columns([3, 1], vertical_alignment="center")
unread_only = top_left.toggle("Unread only", key=f"{P}_unread_only",
                              on_change=lambda: st.session_state.update({f"{P}_offset": 0}))
if unread and top_right.button("Mark all read", key=f"{P}_mark_all", icon=":material/done_all:"):
    if (done := forms.submit(lambda: mark_all_read(db, actor))).ok:
        st.session_state[f"{P}_notice"] = f"Marked {done.value:,} read."
        st.session_state[f"{P}_offset"] = 0
        st.rerun()
st.caption(f"{unread:,} unread. Email choices and the digest are on the Account page; "
           "notifications in the portal are always on.")

offset = max(0, int(st.session_state.get(f"{P}_offset", 0)))
# One more than shown, to know whether there is a next page without counting them all.
found = list_notifications(db, actor, unread_only=unread_only, limit=PAGE_SIZE + 1, offset=offset)
if not found and offset:
    offset = st.session_state[f"{P}_offset"] = 0
    found = list_notifications(db, actor, unread_only=unread_only, limit=PAGE_SIZE + 1, offset=0)
shown, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE

if not shown:
    st.info(("Nothing unread. " if unread_only else "No notifications yet. ") + _EMPTY[actor.role],
            icon=":material/notifications_none:")

for n in shown:
    with st.container(border=True):
        text_col, open_col, read_col = st.columns([6, 1, 1], vertical_alignment="center")
        with text_col:
            kind = KINDS.get(n.kind)
            if n.unread:
                st.badge("Unread", color="blue", icon=":material/fiber_manual_record:")
            # Titles and bodies may quote what people wrote: escaped, never markup.
            st.markdown(f"**{md_escape(n.title)}**" if n.unread else md_escape(n.title))
            if n.body:
                st.text(n.body)
            due = f" · due {when(n.due_at)}" if n.due_at else ""
            st.caption(f"{kind.label if kind else n.kind} · {when(n.created_at)}{due}")
        # Named for the notification they act on: a list of "Open" and "Mark read" said nothing read aloud.
        said = f"\u201c{md_escape(short(n.title))}\u201d"
        if open_col.button(f"Open {said}", key=f"{P}_open_{n.id}", icon=":material/open_in_new:"):
            if not open_notification(db, actor, n):
                st.warning("This notification has no page to open any more; it is marked read.")
        if n.unread and read_col.button(f"Mark {said} read", key=f"{P}_read_{n.id}", icon=":material/done:"):
            if forms.submit(lambda: mark_read(db, actor, n.id)).ok:
                st.rerun()

if offset or more:
    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
    if back.button("Newer", key=f"{P}_newer", disabled=not offset, icon=":material/chevron_left:"):
        st.session_state[f"{P}_offset"] = max(0, offset - PAGE_SIZE)
        st.rerun()
    where.caption(f"{offset + 1:,}–{offset + len(shown):,}")
    if forward.button("Older", key=f"{P}_older", disabled=not more, icon=":material/chevron_right:"):
        st.session_state[f"{P}_offset"] = offset + PAGE_SIZE
        st.rerun()
