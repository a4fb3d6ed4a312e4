"""The portal in a real browser: sign in per role, wrong password, URL tampering, sign out."""

from core.store.db import Database
from tests.browser.conftest import AUTH_COOKIE, main_text, sign_in, wait_for_no_auth_cookie, wait_idle


def sidebar_text(page) -> str:
    return page.locator("[data-testid='stSidebar']").inner_text()


def test_student_signs_in_and_sees_their_contacts(portal, page, demo_file):
    with Database(demo_file).cursor() as cur:  # the portal serves a copy; the original is free to read
        (late,) = cur.execute("""SELECT c.first_name || ' ' || c.last_name FROM thank_you_status t
                                 JOIN contacts c ON c.id = t.contact_id JOIN users u ON u.id = t.student_id
                                 WHERE u.username = 'student07' AND t.sent_at IS NULL""").fetchone()
    sign_in(page, portal.url, "student07")
    page.get_by_role("heading", name="Hello, Gabriel").wait_for()
    body = main_text(page)
    assert late in body and "Send your thank-you" in body, "their own contact's overdue thank-you is listed"
    assert "Where your contacts stand" in body
    cookie = next(c for c in page.context.cookies() if c["name"] == AUTH_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax", "the re-login cookie is set by the server, HttpOnly"
    assert AUTH_COOKIE not in page.evaluate("document.cookie"), "page scripts cannot read it"


def test_counselor_signs_in_and_sees_the_cohort(portal, page):
    sign_in(page, portal.url, "counselor.rivera")
    assert "Signed in as Dana Rivera (counselor)" in sidebar_text(page)
    assert "Cohort dashboard" in sidebar_text(page)
    assert "Business & Policy Explorers" not in main_text(page)


def test_wrong_password_shows_an_error(portal, page):
    sign_in(page, portal.url, "student07", "not-the-password")
    page.get_by_text("Username or password is incorrect.").wait_for()
    assert page.get_by_label("Username").is_visible()
    assert not any(c["name"] == "interview_portal_auth" for c in page.context.cookies())


def test_student_typing_a_counselor_url_does_not_get_it(portal, page):
    sign_in(page, portal.url, "student07")
    page.get_by_role("heading", name="Hello, Gabriel").wait_for()
    for path in ("/counselor_home", "/admin_home"):
        page.goto(portal.url + path)
        wait_idle(page)
        page.get_by_text("This page is for").wait_for()
        body = main_text(page)
        assert "Your cohorts" not in body and "Career office" not in body
        assert "Health & Science Explorers" not in body


def test_sign_out_ends_the_session_and_the_cookie(portal, page):
    sign_in(page, portal.url, "counselor.okafor")
    assert "Signed in as Chidi Okafor" in sidebar_text(page)
    page.get_by_role("button", name="Sign out").click()
    wait_idle(page)
    page.get_by_label("Username").wait_for()
    # The signed-out page asks the cookie route to drop the cookie: wait for it (on a loaded machine
    # that can take a few seconds), then make sure a reload does not sign in.
    wait_for_no_auth_cookie(page)
    page.reload()
    wait_idle(page)
    page.get_by_label("Username").wait_for()
    assert "Signed in as" not in sidebar_text(page) if page.locator("[data-testid='stSidebar']").count() else True
    assert not any(c["name"] == "interview_portal_auth" for c in page.context.cookies())


def test_opening_a_page_address_in_a_new_tab_opens_that_page(portal, page):
    """The re-login cookie signs the user in without sending them back to their home page."""
    sign_in(page, portal.url, "admin")
    page.goto(portal.url + "/admin_roster")
    wait_idle(page)
    page.get_by_role("heading", name="Roster import").wait_for()
    page.goto(portal.url + "/counselor_cohort")
    wait_idle(page)
    page.get_by_role("heading", name="Cohort settings and goals").wait_for()
