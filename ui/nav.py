"""The portal's navigation, in one place: every page is registered for every session, each role sees its own.

Other roles' pages (and, before sign-in, all pages) are registered hidden, so an address such as
/student_meetings?contact=5 is recognised: signed out, it shows the sign-in form and then that
page; opened by another role, the page's own guard says whom it is for. Each role's list lives in
its own module so areas grow independently.
"""

from __future__ import annotations

import streamlit as st

from core.models import Role

ACCOUNT_PAGE = "pages/account.py"
NOTIFICATIONS_PAGE = "pages/notifications.py"

# Whether app.py has given Streamlit its navigation in this process. Until then Streamlit treats the
# pages/ folder as an old-style multipage app: the first visitor after a restart who opens a page's
# address would run that page's script alone, with every page listed in the sidebar.
_app_navigation_given = False


def _account(*, hidden: bool = False) -> st.Page:
    return st.Page(ACCOUNT_PAGE, title="Account", icon=":material/person:",
                   visibility="hidden" if hidden else "visible")


def _notifications(*, hidden: bool = False) -> st.Page:
    return st.Page(NOTIFICATIONS_PAGE, title="Notifications", icon=":material/notifications:",
                   visibility="hidden" if hidden else "visible")


# The pages every role has, after its own: (url path, how to build the page).
_EVERYONE = (("notifications", _notifications), ("account", _account))


def _role_sections(role: Role, *, default: bool = True, hidden: bool = False) -> dict[str, list[st.Page]]:
    from ui import nav_admin, nav_counselor, nav_student

    module = {Role.STUDENT: nav_student, Role.COUNSELOR: nav_counselor, Role.ADMIN: nav_admin}[role]
    return module.sections(default=default, hidden=hidden)


def pages_for(role: Role) -> dict[str, list[st.Page]]:
    """Sections of the pages a role sees, as st.navigation takes them (no hidden pages)."""
    sections = _role_sections(role)
    sections.setdefault("Account", []).extend(build() for _, build in _EVERYONE)
    return sections


def _hidden_pages(except_paths: set[str]) -> list[st.Page]:
    hidden: dict[str, st.Page] = {}
    for role in Role:
        for group in _role_sections(role, default=False, hidden=True).values():
            for page in group:
                if page.url_path not in except_paths:
                    hidden.setdefault(page.url_path, page)
    for url_path, build in _EVERYONE:
        if url_path not in except_paths:
            hidden[url_path] = build(hidden=True)
    return list(hidden.values())


def navigation(role: Role | None) -> dict[str, list[st.Page]]:
    """Every page of the portal for st.navigation: the role's shown, the rest hidden (all of them when signed out).

    Signed out, the default page is the sign-in form, which draws nothing of its own (app.py draws the form).
    """
    if role is None:
        sign_in = st.Page(lambda: None, title="Sign in", url_path="sign_in", default=True)
        return {"": [sign_in, *_hidden_pages(set())]}
    sections = pages_for(role)
    # Built again without a default page: the default one reports the site root as its url_path.
    shown = ({page.url_path for group in _role_sections(role, default=False).values() for page in group}
             | {p for p, _ in _EVERYONE})
    last = list(sections)[-1]
    sections[last] = [*sections[last], *_hidden_pages(shown)]
    return sections


def show(sections: dict[str, list[st.Page]] | list[st.Page], *, position: str = "sidebar") -> st.Page:
    """st.navigation over these pages (app.py's only way to call it); returns the page to run."""
    global _app_navigation_given
    # One flat list, in the sections' order: Streamlit draws sections as list items wrapped in divs inside
    # the list, which a screen reader cannot read as a list (axe's `list` and `listitem` rules, on every page).
    pages = [page for group in sections.values() for page in group] if isinstance(sections, dict) else sections
    # expanded: every page of the role is listed; collapsed, Streamlit hides all but the first ten
    # behind "View more", and a student would not find Referral map or Keep in touch.
    page = st.navigation(pages, position=position, expanded=True)
    _app_navigation_given = True
    return page


# Up to this width Streamlit lays the open sidebar over the page (its "md" breakpoint). Streamlit closes
# the sidebar after a page is chosen only when the browser calls itself a phone; a narrow window of any
# browser (a phone asking for the desktop site, a split screen, a zoomed page) kept it open over the page
# it had just opened. After a link of the sidebar is followed, this closes it there too: once Streamlit
# has handled the click, and only if the sidebar is still open (its own closing toggles the same state).
_OVERLAY_MAX_WIDTH = 768
_CLOSE_SIDEBAR_AFTER_CHOOSING = """<script>
(() => {
  if (window.portalClosesSidebar) return;
  window.portalClosesSidebar = true;
  document.addEventListener("click", (event) => {
    const chosen = event.target instanceof Element && event.target.closest('[data-testid="stSidebar"] a[href]');
    if (!chosen || window.innerWidth > %d) return;
    setTimeout(() => {
      const close = document.querySelector(
        '[data-testid="stSidebarCollapseButton"] button[aria-expanded="true"]');
      if (close && window.innerWidth <= %d) close.click();
    }, 0);
  });
})();
</script>""" % (_OVERLAY_MAX_WIDTH, _OVERLAY_MAX_WIDTH)


def close_sidebar_after_choosing() -> None:
    """On a narrow screen, close the sidebar once a page is chosen in it (drawn in the sidebar, once per run;
    the script is the portal's own, with nothing of anyone's text in it)."""
    st.html(_CLOSE_SIDEBAR_AFTER_CHOOSING, unsafe_allow_javascript=True)


def ensure_app_navigation() -> None:
    """Send a page that runs on its own (before app.py ever ran in this process) through app.py.

    Called by the page guard first. Giving Streamlit a navigation switches the whole process to
    app.py's navigation; the rerun then runs app.py, which signs the person in and opens this same
    address (with its query parameters).
    """
    if _app_navigation_given:
        return
    show(navigation(None), position="hidden")
    st.rerun()


def mark_app_navigation_given() -> None:
    """For tests that run a page script on its own on purpose (AppTest of one page)."""
    global _app_navigation_given
    _app_navigation_given = True
