"""Outreach: draft the meeting request from a template, see what the draft checker finds, copy or
open it in a mail program, mark it sent, and record the reply."""


import streamlit as st

from core.admin.library import list_items
from core.campaign import merge_fields, outreach
from core.campaign.draft_checker import check_draft, highlight_segments
from core.campaign.todo import todo_list
from core.clock import utcnow
from core.models import Channel, OutreachCreate, Reply, Role
from ui import forms
from ui.campaign import FieldErrors, highlighted, link, picked_contact_or_stop
from ui.comments import comment_thread
from ui.guard import require
from ui.mail import open_in_mail_program
from ui.sent_on import sent_on
from ui.widgets import md_escape, when

db, actor = require(Role.STUDENT)
CONFIRM_DELETE = "student_outreach_confirm_delete"
CHANNEL_WORDS = {Channel.EMAIL: "Email", Channel.LINKEDIN: "LinkedIn message", Channel.PHONE: "Phone script",
                 Channel.OTHER: "Other"}
REPLY_WORDS = {Reply.ACCEPTED: "Accepted", Reply.DECLINED: "Declined", Reply.NO_REPLY: "No reply"}

st.title("Outreach", anchor=False)
contact = picked_contact_or_stop(db, actor, key="student_outreach_contact")
cid = contact["id"]


def checker(body: str, channel: str, subject: str = "") -> None:
    """The draft checker's findings, then the draft with the offending words highlighted (escaped)."""
    report = check_draft(body, channel=channel, subject=subject)
    met = sum(f.ok for f in report.findings)
    st.markdown(f"**Draft checker:** {met} of {len(report.findings)} pieces of advice met")
    for f in report.findings:
        # In words beside the colour and icon: the icon alone is read out as its name ("check_circle").
        mark = ":green[:material/check_circle: Met:]" if f.ok else ":red[:material/cancel: Not met:]"
        # The explanation can quote the draft, so it is escaped like any user text.
        st.markdown(f"{mark} **{md_escape(f.label)}.** {md_escape(f.explanation)}")
    if report.spans:
        segments = highlight_segments(body, report.spans)
        flagged = list(dict.fromkeys(" ".join(piece.split()) for piece, marked in segments if marked and piece.strip()))
        with st.container(border=True):
            st.markdown("Words to look at, in bold on a red background in your draft: "
                        + ", ".join(f"\u201c{md_escape(w)}\u201d" for w in flagged) + ".")
            st.markdown(highlighted(body, segments))


# ---------------------------------------------------------------- what is due (the rule lives in core.rules.timing)
nudges = [i for i in todo_list(db, actor) if i.contact_id == cid and i.kind in ("follow_up", "second_person")]
for nudge in nudges:
    st.warning(f"No reply to your request: a follow-up was due {when(nudge.due_at)}. "
               + ("Send one polite follow-up (template \u201cOne polite follow-up\u201d below), or try a second "
                  "person at the same organization." if nudge.kind == "follow_up"
                  else "You already followed up once: try a second person at the same organization."),
               icon=":material/schedule:")
    if nudge.detail:
        st.caption(md_escape(nudge.detail))

def edit_draft(m: dict) -> None:
    """An unsent draft, editable in place (version-checked), and deleted only after a yes."""
    name = f"student_outreach_draft_{m['id']}"
    opened = forms.opened_version(name, m["version"])
    k = f"{name}_{forms.round_of(name)}"
    with st.form(f"{k}_form"):
        errors = FieldErrors()
        subject = st.text_input("Subject", value=m["subject"], key=f"{k}_subject", max_chars=200,
                                disabled=m["channel"] != Channel.EMAIL.value)
        errors.slot("subject")
        body = st.text_area("Message", value=m["body"], height=220, key=f"{k}_body")
        errors.slot("body", "Message")
        clicked = st.form_submit_button("Save changes")
    message = st.empty()
    if clicked:
        result = forms.submit(lambda: outreach.update_draft(
            db, actor, m["id"], OutreachCreate(channel=Channel(m["channel"]), purpose=m["purpose"], subject=subject,
                                               body=body, library_item_id=m["library_item_id"]),
            expected_version=opened, original={f: m[f] for f in outreach.DRAFT_FIELDS}),
            name=name, errors=errors, where=message, labels={"body": "Message", "subject": "Subject"})
        if result.ok:
            forms.next_round(name)
            st.toast("Draft saved.", icon=":material/check:")
            st.rerun()
    if st.session_state.get(CONFIRM_DELETE) == m["id"]:
        st.warning("Delete this draft? It was never sent; its text will be gone.", icon=":material/help:")
        yes, no = st.columns(2)
        if yes.button("Delete the draft", key=f"student_outreach_delete_yes_{m['id']}", type="primary"):
            st.session_state.pop(CONFIRM_DELETE, None)
            if forms.submit(lambda: outreach.delete_draft(db, actor, m["id"])).ok:
                st.rerun()
        if no.button("Keep it", key=f"student_outreach_delete_no_{m['id']}"):
            st.session_state.pop(CONFIRM_DELETE, None)
            st.rerun()
    elif st.button("Delete draft", key=f"student_outreach_delete_{m['id']}", icon=":material/delete:"):
        st.session_state[CONFIRM_DELETE] = m["id"]
        st.rerun()


# ---------------------------------------------------------------- existing messages
messages = outreach.list_messages(db, actor, cid)
accepted = contact.get("outreach_reply") == "accepted"
if accepted:
    st.success("They said yes. Next: schedule the meeting.", icon=":material/event_available:")
    link("pages/student_meetings.py", "Next: schedule the meeting", contact_id=cid, icon=":material/event:")
for m in messages:
    purpose = "Follow-up" if m["purpose"] == "follow_up" else "Request"
    state = f"sent {when(m['sent_at'])}" if m["sent_at"] else "draft"
    if m["reply"]:
        state += f" · {REPLY_WORDS[Reply(m['reply'])]}"  # visible once the expander folds away
    with st.expander(f"{purpose} · {CHANNEL_WORDS[Channel(m['channel'])]} · {state}", expanded=m["sent_at"] is None
                     or m["reply"] is None):
        if m["sent_at"] is not None:
            if m["subject"]:
                st.text(f"Subject: {m['subject']}")
            st.code(m["body"], language=None, wrap_lines=True)
        if m["sent_at"] is None:
            edit_draft(m)
            checker(m["body"], m["channel"], m["subject"])
            if m["channel"] == "email":
                open_in_mail_program(contact["email"], m["subject"], m["body"])
            with st.form(f"student_outreach_sent_{m['id']}"):
                a, b, c = st.columns(3)
                channel = a.selectbox("Sent by", list(Channel), index=list(Channel).index(Channel(m["channel"])),
                                      key=f"student_outreach_sent_channel_{m['id']}",
                                      format_func=lambda ch: CHANNEL_WORDS[ch])
                sent_at = sent_on(f"student_outreach_sent_{m['id']}", columns=(b, c))
                sent_error = st.empty()
                if st.form_submit_button("Mark sent", type="primary"):
                    if forms.submit(lambda: outreach.mark_sent(db, actor, m["id"], channel=channel,
                                                               sent_at=sent_at or utcnow()), where=sent_error).ok:
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
                if forms.submit(lambda: outreach.record_reply(db, actor, m["id"], reply)).ok:
                    st.rerun()
            if m["reply"] == "accepted":
                link("pages/student_meetings.py", "Next: schedule the meeting", contact_id=cid, icon=":material/event:")
        comment_thread(db, actor, actor.user_id, "outreach", m["id"], key=f"student_outreach_msg_{m['id']}")

# ---------------------------------------------------------------- a new draft
def new_draft() -> None:
    """A new draft from a template; switching template over an edited draft asks first."""
    # Requests first (a first message is the usual case); follow-ups after them.
    templates = sorted((t for t in list_items(db, actor, "template") if t["category"] in ("request", "follow_up")),
                       key=lambda t: (t["category"] != "request", t["position"]))
    by_id = {t["id"]: t for t in templates}
    if nudges and "student_outreach_template" not in st.session_state:
        st.session_state["student_outreach_template"] = next(
            (t["id"] for t in templates if t["category"] == "follow_up"), templates[0]["id"])
    name = f"student_outreach_new_{cid}"
    k = f"{name}_{forms.round_of(name)}"
    applied_key, subject_key, body_key = f"{k}_applied", f"student_outreach_subject_{k}", f"student_outreach_body_{k}"
    values = merge_fields.values_for(db, actor, cid)

    def filled(template_id: int) -> tuple[str, str]:
        t = by_id[template_id]
        return merge_fields.fill(t["subject"], values), merge_fields.fill(t["body"], values)

    def keep_mine() -> None:
        st.session_state["student_outreach_template"] = st.session_state[applied_key]

    def use_template() -> None:
        chosen = st.session_state["student_outreach_template"]
        st.session_state[subject_key], st.session_state[body_key] = filled(chosen)
        st.session_state[applied_key] = chosen

    template_id = st.selectbox("Start from a template", list(by_id), key="student_outreach_template",
                               format_func=lambda i: by_id[i]["title"])
    applied = st.session_state.setdefault(applied_key, template_id)
    if applied not in by_id:
        applied = st.session_state[applied_key] = template_id
    if template_id != applied:
        edited = ((st.session_state.get(subject_key), st.session_state.get(body_key))
                  not in (filled(applied), (None, None)))
        if edited:
            st.warning(f"Switch to \u201c{md_escape(by_id[template_id]['title'])}\u201d? Your edits to this draft "
                       "would be replaced by the template.", icon=":material/help:")
            yes, no = st.columns(2)
            yes.button("Replace my draft", key=f"{k}_switch_yes", on_click=use_template, type="primary")
            no.button("Keep my draft", key=f"{k}_switch_no", on_click=keep_mine)
            template_id = applied
        else:
            use_template()
            applied = template_id
    template = by_id[applied]
    subject_text, body_text = filled(applied)
    st.session_state.setdefault(subject_key, subject_text)
    st.session_state.setdefault(body_key, body_text)
    channel_value = template["channel"] if template["channel"] in {c.value for c in Channel} else "email"
    channel = st.selectbox("Channel", list(Channel), index=list(Channel).index(Channel(channel_value)),
                           key=f"student_outreach_channel_{k}_{applied}", format_func=lambda ch: CHANNEL_WORDS[ch])
    errors = FieldErrors()
    subject = st.text_input("Subject", key=subject_key, max_chars=200, disabled=channel != Channel.EMAIL)
    errors.slot("subject")
    body = st.text_area("Message", height=280, key=body_key,
                        help="Merge fields in braces are filled from the contact and you; edit freely.")
    errors.slot("body", "Message")
    checker(body, channel.value, subject if channel == Channel.EMAIL else "")
    message = st.empty()
    if st.button("Save draft", type="primary", key=f"student_outreach_save_{k}"):
        key = forms.form_key(name)
        result = forms.submit(lambda: outreach.create_draft(db, actor, cid, OutreachCreate(
            channel=channel, purpose=template["category"], body=body,
            subject=subject if channel == Channel.EMAIL else "", library_item_id=applied), idempotency_key=key),
            name=name, errors=errors, where=message)
        if result.ok:
            forms.next_round(name)
            st.session_state.pop(f"student_outreach_writing_{cid}", None)
            st.toast("Draft saved: edit it above, then mark it sent.", icon=":material/check:")
            st.rerun()


writing = f"student_outreach_writing_{cid}"
unsent = any(m["sent_at"] is None for m in messages)
if not messages or (nudges and not unsent) or st.session_state.get(writing):
    # The first request, a follow-up that is due, or a draft asked for: the form itself.
    st.subheader("Write a new draft", anchor=False)
    new_draft()
else:
    # A draft waits above, or the request has its answer: another draft is one click away, not a second form.
    st.button("Write another draft", key=f"student_outreach_write_another_{cid}", icon=":material/edit_note:",
              on_click=lambda: st.session_state.update({writing: True}))

comment_thread(db, actor, actor.user_id, "contact", cid, key=f"student_outreach_contact_{cid}")
