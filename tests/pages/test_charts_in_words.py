"""Every chart has a text alternative (AppTest): a sentence under it says what it shows, "<chart> as a table"
opens its figures as a table, and its axis words are drawn at the page's text colour, not the theme's grey."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from core.campaign.contacts import stage_counts
from core.models import STAGE_LABELS, Stage
from tests.apptest_utils import ROOT, demo_user_id, run_page, sign_in_state
from tests.pages.student_page_helpers import _actor, _with_db
from ui.widgets import CHART_INK


def _expanders(at) -> list[str]:
    return [e.label for e in at.expander]


def _axis_ink(chart) -> bool:
    spec = json.loads(chart.proto.spec)
    axis = spec.get("config", {}).get("axis", {})
    return axis.get("labelColor") == CHART_INK and axis.get("titleColor") == CHART_INK


def test_the_students_stage_chart_says_in_words_and_as_a_table_where_her_contacts_stand(portal_env):
    at = run_page("pages/student_home.py", portal_env, "student07")
    assert not at.exception
    counts = _with_db(portal_env, lambda db: stage_counts(db, _actor(portal_env, "student07")))
    total = sum(counts.values())
    held = ", ".join(f"{n} at {STAGE_LABELS[Stage(s)]}" for s, n in counts.items() if n)
    assert f"Your {total} contacts by stage: {held}." in [m.value for m in at.markdown]
    assert "Where your contacts stand as a table" in _expanders(at)
    [table] = [d.value for d in at.dataframe]
    assert list(table.columns) == ["Stage", "Contacts"] and table["Contacts"].sum() == total
    [chart] = at.get("vega_lite_chart")
    assert _axis_ink(chart)


def test_where_next_says_each_occupations_average_fit_in_words(portal_env):
    at = run_page("pages/student_direction.py", portal_env, "student09")  # the demo's "reflected" student
    assert not at.exception
    words = [m.value for m in at.markdown if m.value.startswith("Average fit from your reflections, highest first: ")]
    assert len(words) == 1 and " of 5 (" in words[0]
    assert "Average fit as a table" in _expanders(at)
    table = at.dataframe[0].value
    assert list(table.columns) == ["Occupation", "Average fit", "Rated conversations"]
    assert list(table["Average fit"]) == sorted(table["Average fit"], reverse=True)
    assert _axis_ink(at.get("vega_lite_chart")[0])


def test_the_dashboards_three_charts_each_have_a_sentence_and_a_table(portal_env):
    at = AppTest.from_file(str(ROOT / "pages/counselor_home.py"), default_timeout=60)
    sign_in_state(at, demo_user_id(portal_env, "counselor.rivera"))
    at.session_state["counselor_home_tabs"] = "Charts"
    at.run()
    assert not at.exception
    said = [m.value for m in at.markdown]
    assert any(s.startswith("Active contacts that have reached each stage: Target ") for s in said)
    assert any(" has the most active contacts (" in s for s in said)
    assert any(s.startswith("Over the last ") and "the busiest week began" in s for s in said)
    for title in ("Cohort funnel", "Each student's contacts by stage", "Activity over time"):
        assert f"{title} as a table" in _expanders(at)
    columns = [list(d.value.columns) for d in at.dataframe]
    assert ["Stage", "Contacts"] in columns
    assert ["Week starting", "Actions", "Active students", "Counselor comments"] in columns
    assert any(c[0] == "Student" and "Target" in c for c in columns)
    assert all(_axis_ink(c) for c in at.get("vega_lite_chart"))
