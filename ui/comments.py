"""A comment thread on any item of a student's campaign, with a reply box (students and counselors).

Authors can edit their comments (the thread then says "edited" and when) and withdraw them, with an
Undo right after. Posting is create-once: a double click or a resent request posts one comment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from core.messaging.notify import read_comments
from core.models import Actor, CommentCreate, CommentEdit
from core.oversight.comments import add_comment, edit_comment, list_comments, restore_comment, withdraw_comment
from core.store.db import Database
from ui import forms
from ui.widgets import md_escape, when

_LABELS = {"body": "Comment"}


def comment_thread(db: Database, actor: Actor, student_id: int, subject_type: str, subject_id: int, *,
                   key: str, title: str = "Comments", new_after: datetime | None = None) -> None:
    """Show the thread on one item and let the actor add to it, and edit or withdraw what they wrote.

    Others' comments written after `new_after` (when the actor last read the threads; None: no marks)
    are marked New."""
    thread = list_comments(db, actor, student_id, subject_type=subject_type, subject_id=subject_id)
    # Comments the actor had an unread notification about are New while this session shows the thread
    # (and the notifications are read: seeing the comment here is reading it).
    shown_new = st.session_state.setdefault(f"{key}_comments_new", set())
    shown_new |= read_comments(db, actor, [c["id"] for c in thread if c["author_id"] != actor.user_id])
    undo_slot = f"{key}_comment_withdrawn"
    with st.expander(f"{title} ({len(thread)})", expanded=bool(thread) or undo_slot in st.session_state,
                     icon=":material/forum:"):
        _undo_box(db, actor, key, undo_slot)
        for c in thread:
            _one_comment(db, actor, c, key=key, undo_slot=undo_slot, new_after=new_after, new=c["id"] in shown_new)
        _new_comment_form(db, actor, student_id, subject_type, subject_id, key=key)


def _undo_box(db: Database, actor: Actor, key: str, undo_slot: str) -> None:
    withdrawn = st.session_state.get(undo_slot)
    if withdrawn is None:
        return
    note, undo = st.columns([4, 1], vertical_alignment="center")
    note.info("Comment withdrawn. It no longer shows in the thread.", icon=":material/delete:")
    if undo.button("Undo", key=f"{key}_comment_undo", icon=":material/undo:"):
        if forms.submit(lambda: restore_comment(db, actor, withdrawn)).ok:
            st.session_state.pop(undo_slot, None)
            st.rerun()


def _one_comment(db: Database, actor: Actor, c: dict[str, Any], *, key: str, undo_slot: str,
                 new_after: datetime | None = None, new: bool = False) -> None:
    mine = c["author_id"] == actor.user_id
    who = "You" if mine else f"{c['author_name']} ({c['author_role']})"
    stamp = when(c["created_at"]) + (f" · edited {when(c['edited_at'])}" if c.get("edited_at") else "")
    new = not mine and (new or (new_after is not None and c["created_at"] > new_after))
    st.caption((":green-badge[New] " if new else "") + f"{md_escape(who)}, {stamp}")
    editing_slot = f"{key}_comment_editing_{c['id']}"
    if not mine:
        st.text(c["body"])
        return
    if st.session_state.get(editing_slot):
        name = f"{key}_comment_edit_{c['id']}"
        version = forms.opened_version(name, c["version"])
        with st.form(f"{key}_comment_edit_form_{c['id']}", border=False):
            body = st.text_area("Your comment", value=c["body"], key=f"{key}_comment_edit_body_{c['id']}",
                                height=80, max_chars=5000)
            save, cancel = st.columns(2)
            saved = save.form_submit_button("Save comment", type="primary")
            cancelled = cancel.form_submit_button("Cancel")
        if cancelled:
            forms.done(name)
            st.session_state.pop(editing_slot, None)
            st.rerun()
        if saved:
            result = forms.submit(
                lambda: edit_comment(db, actor, c["id"], CommentEdit(body=body), expected_version=version),
                name=name, labels=_LABELS)
            if result.ok:
                st.session_state.pop(editing_slot, None)
                st.rerun()
        return
    st.text(c["body"])
    edit, withdraw, _ = st.columns([1, 1, 3])
    if edit.button("Edit", key=f"{key}_comment_edit_{c['id']}", icon=":material/edit:", type="tertiary"):
        st.session_state[editing_slot] = True
        st.rerun()
    if withdraw.button("Withdraw", key=f"{key}_comment_withdraw_{c['id']}", icon=":material/delete:",
                       type="tertiary"):
        if forms.submit(lambda: withdraw_comment(db, actor, c["id"], expected_version=c["version"])).ok:
            st.session_state[undo_slot] = c["id"]
            st.rerun()


def _new_comment_form(db: Database, actor: Actor, student_id: int, subject_type: str, subject_id: int, *,
                      key: str) -> None:
    name = f"{key}_comment"
    body_key = f"{key}_comment_body"
    if st.session_state.pop(f"{key}_comment_posted", False):
        # Cleared only after a post: a refused comment keeps its text for another try.
        st.session_state[body_key] = ""
    idempotency_key = forms.form_key(name)
    with st.form(key=f"{key}_comment_form", border=False):
        body = st.text_area("Add a comment", key=body_key, height=80, max_chars=5000)
        posted = st.form_submit_button("Post comment")
    if posted:
        if not body.strip():
            st.error("Write your comment first: it is empty.")
            return
        result = forms.submit(
            lambda: add_comment(db, actor, student_id, CommentCreate(subject_type=subject_type, subject_id=subject_id,
                                                                     body=body), idempotency_key=idempotency_key),
            name=name, labels=_LABELS)
        if result.ok:
            st.session_state[f"{key}_comment_posted"] = True
            st.rerun()
