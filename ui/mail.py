"""'Open in my mail program': a mailto: link that opens the person's own mail program with the
address, subject and text already in place (Outreach's requests, the thank-yous)."""

from __future__ import annotations

from urllib.parse import quote

import streamlit as st


def mailto(to: str, subject: str, body: str) -> str:
    """A mailto: address with the subject and body, each percent-encoded (spaces as %20, lines as %0A)."""
    return f"mailto:{quote(to)}?subject={quote(subject)}&body={quote(body)}"


def open_in_mail_program(to: str | None, subject: str, body: str, *, key: str | None = None) -> None:
    """The link button, drawn only when there is an address to write to."""
    if to:
        st.link_button("Open in my mail program", mailto(to, subject, body), icon=":material/mail:", key=key)
