"""Sign in, then build the navigation from the user's role. Nothing else.

Streamlit runs this file as __main__ for every page view: that is `main()`. `streamlit run app.py`
also imports it once, as the module `app`, to find the server to start: `app` at the end, the
Streamlit server plus the portal's own routes: /download/<token>, which sends files from disk instead
of memory (ui/download_route.py), the re-login cookie's (ui/session_route.py), and a student's private
calendar feed, /calendar/<token>.ics (ui/calendar_route.py).
"""

import streamlit as st

from core.errors import ConfigError


def main() -> None:
    """One run of the portal for one browser session: sign-in, then the user's pages."""
    # Imported here, during a script run, not when the server imports this file (which needs only the
    # routes below): components register with the running server only when first imported in a run.
    from core.config import get_settings
    from core.identity.accounts import must_change_password
    from core.messaging.jobs import ensure_runner
    from ui.auth import keep_cookie, sign_in, sign_out
    from ui.db import get_db
    from ui.nav import close_sidebar_after_choosing, navigation, show
    from ui.notifications import bell
    from ui.registration import registration_section
    from ui.style import apply as apply_style

    # "auto": the sidebar starts closed on a narrow screen, so a phone opens on the page itself.
    st.set_page_config(page_title="Informational Interview Portal", page_icon=":material/forum:", layout="wide",
                       initial_sidebar_state="auto")
    apply_style()  # focus seen on every control, no "Link to heading" stops (ui/style.py)

    settings = get_settings()
    try:
        settings.check_for_startup()
    except ConfigError as exc:
        st.error(str(exc))
        st.stop()

    db = get_db()
    ensure_runner(db, settings)  # the scheduled work (reminders, digests, backups): one runner per process
    actor = sign_in(db, settings)
    if actor is None:
        st.caption("Informational Interview Portal: plan, hold and follow up short conversations with people "
                   "in the fields you are exploring.")
        if settings.demo_mode:
            st.info("Demo: sign in as **student07**, **counselor.rivera** or **admin** "
                    "with the password **Demo-2026!**")
        registration_section(db, settings)
        # Every page is registered (hidden), so the address asked for is kept and opens after sign-in; none runs.
        show(navigation(None), position="hidden")
        st.stop()

    with st.sidebar:
        keep_cookie(db, settings)  # on the runs after sign-in: the browser fetches its re-login cookie
        st.caption(f"Signed in as **{actor.name}** ({actor.role.value})")
        # A callback, like the sign-in form's (ui/auth.py): a click on the first run of a page is kept.
        st.button("Sign out", key="app_sign_out", icon=":material/logout:", on_click=sign_out, args=(db, actor))
        close_sidebar_after_choosing()

    if must_change_password(db, actor):
        page = show([st.Page("pages/account.py", title="Choose your password", icon=":material/key:")])
    else:
        sections = navigation(actor.role)
        page = show(sections)
        if st.session_state.pop("app_go_home", False):
            # Just chose a password after a one-time one: start at home, not on the Account page.
            st.switch_page(next(iter(sections.values()))[0])  # each role lists its home page first
        bell(db, actor)  # at the top of the page: seen without opening the sidebar (closed on a phone)
    # Each page's own name in the browser's tab and history, first: the portal's name alone said nothing of where
    # one was. (This later call overrides the portal-wide title given at the top.)
    st.set_page_config(page_title=f"{page.title} · Informational Interview Portal")
    page.run()


if __name__ == "__main__":
    main()
else:
    from ui import calendar_route, download_route, session_route

    # `streamlit run app.py` looks for an `app = st.App(...)` here and serves the portal through it.
    app = st.App(__file__, routes=[*download_route.routes(), *session_route.routes(), *calendar_route.routes()])
