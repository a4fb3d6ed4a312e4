"""What the portal adds to Streamlit's look for people on a keyboard: focus seen on every control, and headings
without a "Link to heading" stop. (The link past the navigation is Streamlit's own "Skip to main content", the
first stop of every page.)

Drawn by app.py on every run, into Streamlit's event container: a style takes no room on the page.
"""

from __future__ import annotations

import streamlit as st

# The focus ring: the theme's primary colour (.streamlit/config.toml), 7:1 on white and 6:1 on the sidebar's
# grey, 3 px wide and set off from the control, so it never reads as the current page's highlight (WCAG 2.4.7
# and the 3:1 of 1.4.11). Streamlit hides the real checkbox and radio inputs and draws them in their label,
# and draws a text field's frame around its input: the ring goes on what is seen. Any other element that takes
# the focus gets the ring too: links, buttons, tabs, a table's grid, and a box that scrolls (Chromium lets the
# keyboard stop at one, to scroll it).
FOCUS_COLOR = "#2f5d8a"
_STYLE = """<style>
:focus-visible:not(:is([data-testid="stTextInputRootElement"], [data-testid="stTextAreaRootElement"],
                         [data-testid="stNumberInputContainer"]) *) {
  outline: 3px solid %(color)s !important;
  outline-offset: 2px !important;
}
[data-testid="stTextInputRootElement"]:focus-within, [data-testid="stTextAreaRootElement"]:focus-within,
[data-testid="stNumberInputContainer"]:focus-within,
label[data-baseweb="checkbox"]:has(input:focus-visible), label[data-baseweb="radio"]:has(input:focus-visible) {
  outline: 3px solid %(color)s !important;
  outline-offset: 2px !important;
}
/* A badge in a caption (a comment's "New") is drawn faded with the caption: 2.7:1 on its pale background.
   It keeps its background and takes the text colour, so its word reads at full contrast. */
[data-testid="stCaptionContainer"] .stMarkdownBadge { color: #0e1117 !important; }
/* Markdown headings get a "Link to heading" anchor from Streamlit: one more stop per heading for a
   keyboard, and read out by screen readers. The portal's own headings pass anchor=False. */
[data-testid="stHeaderActionElements"] { display: none !important; }
</style>""" % {"color": FOCUS_COLOR}


def apply() -> None:
    """The focus ring, the caption badges' colour and the heading anchors' removal, for this run (signed in or
    not)."""
    st.html(_STYLE)

