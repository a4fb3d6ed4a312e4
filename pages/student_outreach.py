"""Outreach: draft the meeting request from a template, see what the draft checker finds, copy or
open it in a mail program, mark it sent, and record the reply."""

from datetime import datetime, time
from urllib.parse import quote

import streamlit as st
from pydantic import ValidationError

from core import merge_fields, outreach
from core.clock import utcnow
from core.config import get_settings
from core.db import WriteConflict
from core.draft_checker import check_draft, highlight_segments
from core.library import list_items
from core.meetings import to_utc
from core.models import Channel, OutreachCreate, Reply, Role, field_errors
from core.outreach import OutreachError
from core.todo import todo_list
from ui.campaign import FieldErrors, highlighted, link, picked_contact_or_stop
from ui.comments import comment_thread
from ui.guard import require
from ui.widgets import local, md_escape, when

db, actor = require(Role.STUDENT)
CHANNEL_WORDS = {Channel.EMAIL: "Email", Channel.LINKEDIN: "LinkedIn message", Channel.PHONE: "Phone script",
                 Channel.OTHER: "Other"}
REPLY_WORDS = {Reply.ACCEPTED: "Accepted", Reply.DECLINED: "Declined", Reply.NO_REPLY: "No reply"}

st.title("Outreach")
contact = picked_contact_or_stop(db, actor, key="student_outreach_contact")
cid = contact["id"]


def checker(body: str, channel: str, subject: str = "") -> None:
    """The draft checker's findings, then the draft with the offending words highlighted (escaped)."""
    report = check_draft(body, channel=channel, subject=subject)
    met = sum(f.ok for f in report.findings)
    st.markdown(f"**Draft checker:** {met} of {len(report.findings)} pieces of advice met")
    for f in report.findings:
        icon = ":material/check_circle:" if f.ok else ":material/cancel:"
        colour = "green" if f.ok else "red"
        # The explanation can quote the draft, so it is escaped like any user text.
        st.markdown(f":{colour}[{icon}] **{md_escape(f.label)}.** {md_escape(f.explanation)}")
    if report.spans:
        with st.container(border=True):
            st.caption("Words to look at, highlighted in your draft:")
            st.markdown(highlighted(body, highlight_segments(body, report.spans)))


# ---------------------------------------------------------------- what is due (the rule lives in core.rules)
nudges = [i for i in todo_list(db, actor) if i.contact_id == cid and i.kind in ("follow_up", "second_person")]
for nudge in nudges:
    st.warning(f"No reply to your request: a follow-up was due {when(nudge.due_at)}. "
               + ("Send one polite follow-up (template \u201cOne polite follow-up\u201d below), or try a second "
                  "person at the same organization." if nudge.kind == "follow_up"
                  else "You already followed up once: try a second person at the same organization."),
               icon=":material/schedule:")
    if nudge.detail:
        st.caption(md_escape(nudge.detail))

# ---------------------------------------------------------------- existing messages
messages = outreach.list_messages(db, actor, cid)
for m in messages:
    purpose = "Follow-up" if m["purpose"] == "follow_up" else "Request"
    state = f"sent {when(m['sent_at'])}" if m["sent_at"] else "draft"
    if m["reply"]:
        state += f" · {REPLY_WORDS[Reply(m['reply'])]}"  # visible once the expander folds away
    with st.expander(f"{purpose} · {CHANNEL_WORDS[Channel(m['channel'])]} · {state}", expanded=m["sent_at"] is None
                     or m["reply"] is None):
        if m["subject"]:
            st.text(f"Subject: {m['subject']}")
        st.code(m["body"], language=None, wrap_lines=True)
        if m["sent_at"] is None:
            checker(m["body"], m["channel"], m["subject"])
            if contact["email"] and m["channel"] == "email":
                href = f"mailto:{quote(contact['email'])}?subject={quote(m['subject'])}&body={quote(m['body'])}"
                st.link_button("Open in my mail program", href, icon=":material/mail:")
            with st.form(f"student_outreach_sent_{m['id']}"):
                a, b, c = st.columns(3)
                channel = a.selectbox("Sent by", list(Channel), index=list(Channel).index(Channel(m["channel"])),
                                      key=f"student_outreach_sent_channel_{m['id']}",
                                      format_func=lambda ch: CHANNEL_WORDS[ch])
                today = local(utcnow())
                sent_day = b.date_input("Sent on", value=today.date(), max_value=today.date(),
                                        key=f"student_outreach_sent_day_{m['id']}")
                sent_time = c.time_input("At", value=time(today.hour, today.minute),
                                         key=f"student_outreach_sent_time_{m['id']}")
                sent_error = st.empty()
                if st.form_submit_button("Mark sent", type="primary"):
                    # The date and time were entered in the portal's time zone, as shown everywhere else.
                    sent_at = min(to_utc(datetime.combine(sent_day, sent_time), get_settings().timezone), utcnow())
                    try:
                        outreach.mark_sent(db, actor, m["id"], channel=channel, sent_at=sent_at)
                    except (OutreachError, WriteConflict) as exc:
                        sent_error.error(str(exc))
                    else:
                        st.rerun()
        else:
            if m["reply"]:
                st.markdown(f"Reply: **{REPLY_WORDS[Reply(m['reply'])]}** ({when(m['replied_at'])})")
            replies = list(Reply)
            r1, r2 = st.columns([3, 1], vertical_alignment="bottom")
            reply = r1.selectbox("Their reply", replies, key=f"student_outreach_reply_{m['id']}",
                                 index=replies.index(Reply(m["reply"])) if m["reply"] else None,
                                 format_func=lambda r: REPLY_WORDS[r], placeholder="Choose the reply")
            if r2.button("Record reply", key=f"student_outreach_reply_go_{m['id']}", disabled=reply is None):
                try:
                    outreach.record_reply(db, actor, m["id"], reply)
                except (OutreachError, WriteConflict) as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
            if m["reply"] == "accepted":
                link("pages/student_meetings.py", "Next: schedule the meeting", contact_id=cid, icon=":material/event:")
        comment_thread(db, actor, actor.user_id, "outreach", m["id"], key=f"student_outreach_msg_{m['id']}")

# ---------------------------------------------------------------- a new draft
st.subheader("Write a new draft")
# Requests first (a first message is the usual case); follow-ups after them.
templates = sorted((t for t in list_items(db, actor, "template") if t["category"] in ("request", "follow_up")),
                   key=lambda t: (t["category"] != "request", t["position"]))
by_id = {t["id"]: t for t in templates}
if nudges and "student_outreach_template" not in st.session_state:
    st.session_state["student_outreach_template"] = next(
        (t["id"] for t in templates if t["category"] == "follow_up"), templates[0]["id"])
template_id = st.selectbox("Start from a template", list(by_id), key="student_outreach_template",
                           format_func=lambda i: by_id[i]["title"])
template = by_id[template_id]
values = merge_fields.values_for(db, actor, cid)
channel_value = template["channel"] if template["channel"] in {c.value for c in Channel} else "email"
channel = st.selectbox("Channel", list(Channel), index=list(Channel).index(Channel(channel_value)),
                       key=f"student_outreach_channel_{template_id}", format_func=lambda ch: CHANNEL_WORDS[ch])
errors = FieldErrors()
subject = st.text_input("Subject", value=merge_fields.fill(template["subject"], values),
                        key=f"student_outreach_subject_{cid}_{template_id}", max_chars=200,
                        disabled=channel != Channel.EMAIL)
errors.slot("subject")
body = st.text_area("Message", value=merge_fields.fill(template["body"], values), height=280,
                    key=f"student_outreach_body_{cid}_{template_id}",
                    help="Merge fields in braces are filled from the contact and you; edit freely.")
errors.slot("body")
checker(body, channel.value, subject if channel == Channel.EMAIL else "")
if st.button("Save draft", type="primary", key="student_outreach_save"):
    try:
        data = OutreachCreate(channel=channel, purpose=template["category"], body=body,
                              subject=subject if channel == Channel.EMAIL else "", library_item_id=template_id)
        outreach.create_draft(db, actor, cid, data)
    except ValidationError as exc:
        errors.show(field_errors(exc))
    except WriteConflict as exc:
        st.error(str(exc))
    else:
        st.rerun()

comment_thread(db, actor, actor.user_id, "contact", cid, key=f"student_outreach_contact_{cid}")
