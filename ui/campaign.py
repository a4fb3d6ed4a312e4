"""Widgets shared by the student's campaign pages: the contact picker, links between pages,
errors shown at their field, safe highlighting, and the referral map's drawing.

User-written text never becomes markup here: it is shown with st.text, escaped with md_escape,
or quoted for Graphviz.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from core.campaign.contacts import list_contacts
from core.errors import NotFound, check_id
from core.models import STAGE_LABELS, Actor, Stage
from core.store.db import Database
from ui.forms import in_visible_words
from ui.widgets import md_escape, stage_badge

CONTACT_PARAM = "contact"
SHARED_KEY = "campaign_contact_id"  # the chosen contact, the one place every campaign page reads it from
FOLLOWED_KEY = "campaign_contact_followed"  # the last `?contact=` value acted on

# Colours of the referral map, one per stage (light fills so the names stay readable).
STAGE_FILL = {
    Stage.TARGET: "#e5e7eb",
    Stage.RESEARCH: "#bfdbfe",
    Stage.OUTREACH: "#ddd6fe",
    Stage.INTERVIEW: "#fed7aa",
    Stage.THANK: "#bbf7d0",
    Stage.REFLECT: "#86efac",
    Stage.KEEP_IN_TOUCH: "#99f6e4",
}


def contact_label(contact: dict[str, Any]) -> str:
    """A contact as one line: name, then organization."""
    name = f"{contact['first_name']} {contact['last_name']}".strip()
    return f"{name} · {contact['organization']}" if contact.get("organization") else name


def _requested_contact() -> tuple[int | None, bool]:
    """The contact id named by `?contact=`, and whether the parameter was there but names no record."""
    value = st.query_params.get(CONTACT_PARAM)
    if value is None or value == "":
        return None, False
    try:
        return check_id(value, "contact"), False
    except NotFound:
        return None, True


def requested_id(what: str = "contact") -> int | None:
    """The id in `?contact=`, or None; an address naming no record gets a message instead of a traceback."""
    requested, malformed = _requested_contact()
    if malformed:
        st.warning(f"The address names no {what} (the number in it is not valid).", icon=":material/link_off:")
    return requested


def chosen_contact_id() -> int | None:
    """The contact the student chose last, on any campaign page or by following a link (None: nobody yet)."""
    return st.session_state.get(SHARED_KEY)


def choose_contact(contact_id: int) -> None:
    """Make this person the chosen contact of every campaign page: Research, Outreach, Meetings,
    Thank-yous and Keep in touch open on them. The choice is kept in one place, the session, and
    written to the address (`?contact=`) so a reload or a copied link keeps it.

    Call it when a person picks someone, never on every run: each change of the address is a browser
    history entry, so Back would need several clicks to leave a page.
    """
    value = str(int(contact_id))
    st.session_state[SHARED_KEY] = int(contact_id)
    st.session_state[FOLLOWED_KEY] = value
    if st.query_params.get(CONTACT_PARAM) != value:
        st.query_params[CONTACT_PARAM] = value


def follow_address(contacts: dict[int, Any] | None = None) -> int | None:
    """The contact a followed link (or a reload) names in `?contact=`, made the chosen one; None when the
    address names nobody new. An address already followed is not followed again, so a person's later
    pick on any page stands. `contacts` limits it to the people this page lists."""
    raw = st.query_params.get(CONTACT_PARAM)
    requested, _ = _requested_contact()
    if requested is None or st.session_state.get(FOLLOWED_KEY) == raw:
        return None
    if contacts is not None and requested not in contacts:
        return None
    st.session_state[SHARED_KEY] = requested
    st.session_state[FOLLOWED_KEY] = raw
    return requested


def contact_picker(db: Database, actor: Actor, *, key: str, label: str = "Contact",
                   contacts: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """Choose one of the acting student's contacts; the choice follows the student across pages.

    The page opens on the person a followed link names (`?contact=`), else on the person chosen last on
    any campaign page (chosen_contact_id), else on the first of the list. Picking another person makes
    them the chosen one everywhere (choose_contact). Only contacts core lists for this actor can be
    chosen, so an edited URL never reaches another student's contact; an address that names no contact
    at all (text, a huge number) gets a message, never a traceback.
    """
    contacts = list_contacts(db, actor) if contacts is None else contacts
    if not contacts:
        return None
    by_id = {c["id"]: c for c in contacts}
    requested, malformed = _requested_contact()
    if malformed:
        st.warning("The address names no contact (the contact number in it is not valid); showing one of yours "
                   "instead.", icon=":material/link_off:")
    elif requested is not None and requested not in by_id:
        st.warning("That contact is not in this list; showing one of yours instead.")
    follow_address(by_id)
    chosen = chosen_contact_id()
    # A page listing only some people (Thank-yous lists those met) shows its first when the chosen one is
    # not among them, and leaves the choice as it was for the other pages.
    st.session_state[key] = chosen if chosen in by_id else contacts[0]["id"]

    def remember() -> None:
        choose_contact(st.session_state[key])

    picked = st.selectbox(label, list(by_id), key=key, format_func=lambda cid: contact_label(by_id[cid]),
                          on_change=remember)
    return by_id[picked]


def link(page: str, label: str, *, contact_id: int | None = None, icon: str | None = None) -> None:
    """A link to another campaign page, carrying the chosen contact."""
    params = {CONTACT_PARAM: str(contact_id)} if contact_id is not None else None
    try:
        st.page_link(page, label=label, icon=icon, query_params=params)
    except StreamlitPageNotFoundError:
        # A page run on its own (AppTest, or outside st.navigation) has no other pages to link to.
        st.caption(label)


class FieldErrors:
    """Slots under form fields where a validation message appears next to its field, in the field's own words.

    A message from core names a field by its internal name ("Body is required"); the slot knows the words the
    person sees on the page ("Your thank-you"), and the message says those instead ("Your thank-you is
    required"), so nobody has to guess which box "Body" is.
    """

    def __init__(self) -> None:
        self._slots: dict[str, Any] = {}
        self._labels: dict[str, str] = {}

    def slot(self, field: str, label: str | None = None) -> None:
        """Reserve the place for a field's message (call right after drawing the field); `label` is the field's
        visible name, when it is not the internal one in plain words."""
        self._slots[field] = st.empty()
        if label:
            self._labels[field] = label

    def reworded(self, field: str, message: str) -> str:
        """The message with the field's internal name replaced by its visible label."""
        return in_visible_words(field, message, self._labels.get(field.split(".")[0]))

    def show(self, errors: dict[str, str]) -> None:
        """Put each message at its field; messages for fields without a slot go at the end."""
        for field, message in errors.items():
            root = field.split(".")[0]
            message = self.reworded(field, message)
            if root in self._slots:
                self._slots[root].error(message)
            else:
                st.error(message)


def highlighted(text: str, segments: list[tuple[str, bool]]) -> str:
    """Markdown of the text with flagged pieces in bold on a red background (bold: the colour is not the only
    mark); every piece is escaped first."""
    out = []
    for piece, flagged in segments:
        if not flagged:
            out.append(md_escape(piece))
            continue
        # A highlight cannot span lines in markdown, so each line of a flagged piece is wrapped alone.
        parts = piece.split("\n")
        out.append("  \n".join(f":red-background[**{md_escape(p)}**]" if p.strip() else "" for p in parts))
    return "".join(out)


def _dot_label(*lines: str) -> str:
    """A quoted DOT label of several lines; quotes and backslashes in user text are escaped."""
    clean = [" ".join(line.replace("\\", "\\\\").replace('"', '\\"').split()) for line in lines if line]
    return '"' + "\\n".join(clean) + '"'


def referral_dot(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> str:
    """Graphviz DOT of the referral chains: one box per contact, coloured by stage, arrows to whom they led."""
    lines = [
        "digraph referrals {",
        '  rankdir=LR; bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, color="#6b7280"];',
        '  edge [color="#6b7280"];',
    ]
    for n in nodes:
        stage = Stage(n["stage"])
        name = f"{n['first_name']} {n['last_name']}".strip()
        label = _dot_label(name, n.get("organization") or "", f"({STAGE_LABELS[stage]})")
        lines.append(f'  c{int(n["id"])} [label={label}, fillcolor="{STAGE_FILL[stage]}"];')
    for e in edges:
        style = "" if e.get("may_use_referrer_name") else ' [style=dashed, tooltip="may not use the name"]'
        lines.append(f'  c{int(e["from_id"])} -> c{int(e["to_id"])}{style};')
    lines.append("}")
    return "\n".join(lines)


def stage_legend_dot() -> str:
    """Graphviz DOT of the map's legend: one small box per stage, in pipeline order."""
    lines = ["digraph legend {", '  rankdir=LR; bgcolor="transparent"; nodesep=0.15;',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=9, color="#9ca3af", '
             'height=0.3];',
             '  edge [style=invis];']
    for s in Stage:
        lines.append(f'  {s.value} [label="{STAGE_LABELS[s]}", fillcolor="{STAGE_FILL[s]}"];')
    lines.append("  " + " -> ".join(s.value for s in Stage) + ";")
    lines.append("}")
    return "\n".join(lines)


def picked_contact_or_stop(db: Database, actor: Actor, *, key: str) -> dict[str, Any]:
    """The contact picker with its stage badge; without any target, a pointer to Targets and stop."""
    contact = contact_picker(db, actor, key=key)
    if contact is None:
        st.info("Add a target first.")
        link("pages/student_targets.py", "Go to Targets", icon=":material/person_search:")
        st.stop()
    stage_badge(contact["stage"], contact.get("outreach_reply"))
    return contact
