"""Every page of every role passes axe-core's WCAG 2.0/2.1 A and AA rules, with its expanders and tabs opened,
and a keyboard finds a skip link past the navigation and sees where its focus is.

One browser session per role (student, counselor, admin) opens each page of its sidebar in turn and runs axe
over it; on a page with tabs each tab is opened and checked too. Any violation fails the test, except the ones
named in ALLOWED below: those sit inside Streamlit's own widgets, and the portal cannot avoid them by its choices.
A "Link to heading" anchor a keyboard would stop at counts as a finding too. Run with `-s` to see the count of
findings per page (test-artifacts/axe-<role>.txt keeps them).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.browser.conftest import ARTIFACTS, sign_in, wait_idle

pytestmark = pytest.mark.browser

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": ["violations"]}

# Violations inside Streamlit's own widgets that no choice of the portal avoids: (axe rule, a piece of the
# element's CSS selector as axe reports it, why), each one said in the conformance report too. None is
# needed today: every page of every role passes with this list empty.
ALLOWED: tuple[tuple[str, str, str], ...] = ()

ROLES = {"student": "student07", "counselor": "counselor.rivera", "admin": "admin"}

_OPEN_EXPANDERS = """() => {
  for (const details of document.querySelectorAll('[data-testid="stMain"] details:not([open])')) {
    details.querySelector('summary')?.click();
  }
}"""


def _allowed(rule: str, target: str) -> bool:
    return any(rule == allowed_rule and piece in target for allowed_rule, piece, _ in ALLOWED)


def _violations(axe, page, context=None) -> list[str]:
    """Each element that breaks a rule, as 'rule: selector' (the allowed ones left out)."""
    results = axe.run(page, context=context, options=AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            if not _allowed(violation["id"], target):
                why = node.get("failureSummary", "").splitlines()[-1].strip()
                found.append(f"{violation['id']}: {target} ({why})")
    return found


def _sidebar_pages(page) -> list[tuple[str, str]]:
    """Each page of the sidebar: its address and its title (the link's last line, after the icon's name)."""
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    return [(links.nth(i).get_attribute("href"), links.nth(i).inner_text().strip().splitlines()[-1])
            for i in range(links.count())]


def _open(page, href: str) -> None:
    """Choose a page in the sidebar and wait until it has drawn (a click during a rerun may be dropped)."""
    link = page.get_by_test_id("stSidebarNav").locator(f'a[href="{href}"]').first
    for attempt in range(3):
        wait_idle(page)
        link.click()
        try:
            page.wait_for_function("(href) => window.location.href.split('?')[0] === href", arg=href,
                                   timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - retried, then the last wait reports
            if attempt == 2:
                raise
    wait_idle(page)


def _heading_stops(page) -> list[str]:
    """A "Link to heading" anchor a keyboard stops at, as one more finding (not an axe rule, a wanted item)."""
    hrefs = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stHeaderActionElements"] a')]
      .filter((a) => a.getClientRects().length > 0 && getComputedStyle(a).visibility !== 'hidden')
      .map((a) => a.getAttribute('href'))""")
    return [f"link-to-heading: {href}" for href in hrefs]


def _check_page(axe, page, name: str, report: dict[str, list[str]]) -> None:
    """axe over the page with its expanders open, then over each of its other tabs."""
    page.evaluate(_OPEN_EXPANDERS)
    wait_idle(page, settle_ms=300)
    report[name] = _violations(axe, page) + _heading_stops(page)
    tabs = page.get_by_test_id("stMain").get_by_role("tab")
    for i in range(1, tabs.count()):
        tab = tabs.nth(i)
        label = tab.inner_text().strip()
        tab.click()
        wait_idle(page, settle_ms=300)
        page.evaluate(_OPEN_EXPANDERS)
        wait_idle(page, settle_ms=300)
        report[f"{name} / tab {label}"] = _violations(axe, page, context='[data-testid="stMain"]')


def _summary(role: str, report: dict[str, list[str]]) -> str:
    lines = [f"axe violations, {role}: {sum(len(v) for v in report.values())} over {len(report)} pages and states"]
    for name, found in report.items():
        rules = Counter(item.split(":", 1)[0] for item in found)
        lines.append(f"  {len(found):3d}  {name}  " + ", ".join(f"{rule} {n}" for rule, n in rules.most_common()))
    return "\n".join(lines)


_FOCUS_RING = """() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const what = (el.getAttribute('aria-label') || el.innerText || el.getAttribute('placeholder')
                || el.getAttribute('data-testid') || el.className || el.tagName)
    .trim().split('\\n').pop().slice(0, 40);
  let best = 0;
  for (let e = el, depth = 0; e && depth < 4; e = e.parentElement, depth++) {
    const style = getComputedStyle(e);
    if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) continue;
    const ring = luminance(parse(style.outlineColor));
    const behind = luminance(background(e.parentElement || e));
    best = Math.max(best, (Math.max(ring, behind) + 0.05) / (Math.min(ring, behind) + 0.05));
  }
  return {what: el.tagName + ' ' + what, contrast: best};
}"""


def _tab_stops(page, count: int) -> list[dict]:
    """Press Tab `count` times; each stop with the contrast of its focus ring against what is behind it."""
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        stop = page.evaluate(_FOCUS_RING)
        if stop is not None:
            stops.append(stop)
    return stops


def test_keyboard_skips_the_navigation_and_sees_the_focus(portal, page):
    """The first Tab stop is "Skip to main content" (Streamlit's own), which takes the focus past the sidebar into
    the page; every stop on the way through a page with tabs, fields, a table and buttons shows a focus ring at
    3:1 or more."""
    sign_in(page, portal.url, "student07")
    page.goto(portal.url + "/student_targets")  # a page opened afresh: Tab starts at the top
    wait_idle(page)
    page.get_by_role("tab").first.wait_for()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert page.evaluate("document.activeElement.innerText") == "Skip to main content", "the first stop skips"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0, "the skip link shows when it has the focus"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('[data-testid=\"stMain\"]')"), \
        "after the skip link the next stop is in the page, not the sidebar"

    page.evaluate("document.activeElement.blur()")
    stops = _tab_stops(page, 45)
    # Home too: its chart's toolbar buttons took the focus without showing it.
    page.goto(portal.url + "/")
    wait_idle(page)
    page.get_by_role("heading", name="Hello, Gabriel").wait_for()
    stops += _tab_stops(page, 40)
    faint = [f"{s['what']} ({s['contrast']:.2f}:1)" for s in stops if s["contrast"] < 3]
    assert len(stops) > 60 and not faint, "focus not seen at 3:1 on: " + "; ".join(faint)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_passes_axe(portal, page, role):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    report: dict[str, list[str]] = {}
    if role == "student":  # the sign-in page, once
        page.goto(portal.url)
        wait_idle(page)
        page.get_by_label("Username").wait_for()
        report["Sign in"] = _violations(axe, page)
    sign_in(page, portal.url, ROLES[role])
    for href, title in _sidebar_pages(page):
        _open(page, href)
        _check_page(axe, page, title, report)
    summary = _summary(role, report)
    print("\n" + summary)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{role}.txt").write_text(summary + "\n")
    failing = {name: found for name, found in report.items() if found}
    assert not failing, "axe found violations:\n" + "\n".join(
        f"{name}:\n    " + "\n    ".join(found) for name, found in failing.items())



def test_focus_shows_on_the_cohort_dashboard(portal, page):
    """The counselor's dashboard (its filters, toggles, tabs and tables) shows a 3:1 focus ring at every stop."""
    sign_in(page, portal.url, "counselor.rivera")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    stops = _tab_stops(page, 60)
    faint = [f"{s['what']} ({s['contrast']:.2f}:1)" for s in stops if s["contrast"] < 3]
    assert len(stops) > 40 and not faint, "focus not seen at 3:1 on: " + "; ".join(faint)
