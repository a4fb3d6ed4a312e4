"""Outbox: the emails the portal sent, will send, could not send, or (a demo without SMTP) keeps to show \
(career office)."""

import streamlit as st

from core.config import get_settings
from core.messaging.mailer import email_status, outbox, outbox_counts, retry
from core.messaging.notify import KINDS
from core.models import Role
from ui import forms
from ui.guard import require
from ui.widgets import md_escape, when

db, actor = require(Role.ADMIN)
P = "admin_outbox"
LIMIT = 200
STATES = {"pending": "Pending", "sending": "Sending", "sent": "Sent", "failed": "Failed", "held": "Held (demo)"}
_MEANING = {
    "pending": "waiting for its moment or for the next attempt",
    "sending": "being handed to the mail server right now",
    "sent": "accepted by the mail server",
    "failed": "not sent after every retry, or interrupted mid-send (not resent on its own, to avoid a duplicate)",
    "held": "email is off in this demo: kept here to show what would be sent, never sent",
}
ALL = "all"

settings = get_settings()
st.title("Outbox", anchor=False)
(st.info if settings.email_configured else st.warning)(email_status(settings), icon=":material/mail:")
if notice := st.session_state.pop(f"{P}_notice", None):
    st.success(notice)

counts = outbox_counts(db, actor)
columns = st.columns(len(STATES))
for column, (state, label) in zip(columns, STATES.items(), strict=False):
    column.metric(label, f"{counts.get(state, 0):,}", help=_MEANING[state].capitalize() + ".")

options = [ALL, *STATES]
state = st.segmented_control("Show", options, default="failed" if counts.get("failed") else ALL,
                             format_func=lambda s: "All" if s == ALL else f"{STATES[s]} ({counts.get(s, 0):,})",
                             key=f"{P}_state") or ALL
messages = outbox(db, actor, state=None if state == ALL else state, limit=LIMIT)
if not messages:
    st.info("No emails here yet. Reminders, digests and alerts are queued by the scheduled runs "
            "(see Health and backups).", icon=":material/inbox:")
    st.stop()
if len(messages) == LIMIT:
    st.caption(f"The newest {LIMIT:,} shown.")


def _kind(key: str) -> str:
    kind = KINDS.get(key)
    return kind.label if kind else key


st.dataframe(
    [{"To": m["to_address"], "Subject": m["subject"], "Kind": _kind(m["kind"]),
      "State": STATES.get(m["state"], m["state"]), "Attempts": m["attempts"], "Created": when(m["created_at"]),
      "Sent": when(m["sent_at"]) if m["sent_at"] else "", "Error": m["last_error"] or ""} for m in messages],
    hide_index=True, width="stretch")

by_id = {m["id"]: m for m in messages}
picked = st.selectbox("Read a message", list(by_id), key=f"{P}_message_{state}",
                      format_func=lambda i: f"{STATES.get(by_id[i]['state'], by_id[i]['state'])} · "
                                            f"{by_id[i]['to_address']} · {by_id[i]['subject']}")
if picked is not None:
    m = by_id[picked]
    with st.container(border=True):
        # Addresses, subjects and bodies may hold people's own words: shown as text, never as markup.
        st.text(f"To: {m['to_address']}\nSubject: {m['subject']}")
        st.caption(f"{STATES.get(m['state'], m['state'])}: {_MEANING.get(m['state'], '')}. "
                   f"Created {when(m['created_at'])}; {m['attempts']} attempt(s)"
                   + (f"; sent {when(m['sent_at'])}" if m["sent_at"] else "")
                   + (f"; next attempt {when(m['next_attempt_at'])}" if m["state"] == "pending" else "") + ".")
        if m["last_error"]:
            st.error("Last error:", icon=":material/error:")
            st.code(m["last_error"], language=None, wrap_lines=True)
        st.code(m["body_text"], language=None, wrap_lines=True)
        if m["state"] == "failed":
            box = st.empty()
            if st.button("Send again", key=f"{P}_retry_{m['id']}", type="primary", icon=":material/send:"):
                if forms.submit(lambda: retry(db, actor, m["id"]), where=box).ok:
                    st.session_state[f"{P}_notice"] = ("Queued again: the next run of the scheduled work sends it "
                                                       f"to {md_escape(m['to_address'])}.")
                    st.session_state.pop(f"{P}_message_{state}", None)  # the message may leave this list
                    st.rerun()
