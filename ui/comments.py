"""A comment thread on any item of a student's campaign, with a reply box (students and counselors)."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from core.comments import add_comment, list_comments
from core.db import Database, WriteConflict
from core.models import Actor, CommentCreate, field_errors
from ui.widgets import md_escape, when


def comment_thread(db: Database, actor: Actor, student_id: int, subject_type: str, subject_id: int, *,
                   key: str, title: str = "Comments") -> None:
    """Show the thread on one item and let the actor add to it."""
    thread = list_comments(db, actor, student_id, subject_type=subject_type, subject_id=subject_id)
    with st.expander(f"{title} ({len(thread)})", expanded=bool(thread), icon=":material/forum:"):
        for c in thread:
            who = "You" if c["author_id"] == actor.user_id else f"{c['author_name']} ({c['author_role']})"
            st.caption(f"{md_escape(who)}, {when(c['created_at'])}")
            st.text(c["body"])
        with st.form(key=f"{key}_comment_form", clear_on_submit=True, border=False):
            body = st.text_area("Add a comment", key=f"{key}_comment_body", height=80, max_chars=5000)
            if st.form_submit_button("Post comment"):
                try:
                    data = CommentCreate(subject_type=subject_type, subject_id=subject_id, body=body)
                    add_comment(db, actor, student_id, data)
                except ValidationError as exc:
                    st.error(next(iter(field_errors(exc).values())))
                except WriteConflict as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
