"""The cohort dashboard's figures, flags and chart data against hand-computed values, and its access rules."""

from __future__ import annotations

import pytest

from core.errors import AccessDenied, NotFound
from core.oversight.dashboard import cohort_dashboard, cohort_funnel, goal_standings, stage_heatmap, weekly_activity
from core.oversight.progress import cohort_goal_summary, goal_progress
from tests.conftest import NOW
from tests.figures import student_metrics
from tests.oversight_fixtures import DAY, Campaign


@pytest.fixture
def campaign(world) -> Campaign:
    return Campaign(world)


def _by_name(rows):
    return {r["username"]: r for r in rows}


def test_figures_per_student_match_hand_counts(campaign):
    w = campaign.world
    rows = _by_name(cohort_dashboard(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW))
    assert set(rows) == {"alice", "bob", "carl"}
    alice, bob, carl = rows["alice"], rows["bob"], rows["carl"]
    figures = ["targets", "researched", "outreach_sent", "interviews", "thanked", "reflections", "referrals"]
    assert [alice[f] for f in figures] == [3, 2, 2, 2, 1, 1, 1]
    assert [bob[f] for f in figures] == [1, 0, 0, 0, 0, 0, 0]
    assert [carl[f] for f in figures] == [0, 0, 0, 0, 0, 0, 0]
    assert alice["last_activity_at"] == NOW - DAY  # archiving A4 was her latest action
    assert alice["days_inactive"] == 1
    assert bob["last_activity_at"] == NOW - 30 * DAY and bob["days_inactive"] == 30
    assert carl["last_activity_at"] is None and carl["days_inactive"] == 0
    assert (alice["overdue_thank_yous"], alice["meetings_without_reflection"]) == (1, 1)
    assert (bob["overdue_thank_yous"], bob["meetings_without_reflection"]) == (0, 0)


def test_flags(campaign):
    w = campaign.world
    rows = _by_name(cohort_dashboard(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW))
    assert rows["alice"]["flags"] == ["overdue_thank_you", "no_reflection"]
    assert rows["bob"]["flags"] == ["stalled", "off_track"]
    assert rows["carl"]["flags"] == ["no_targets", "off_track"]
    assert rows["bob"]["off_track_goals"] == ["interviews held", "targets"]  # soonest due first


def test_stalled_threshold_is_the_cohort_setting(campaign):
    from core.admin.cohorts import update_cohort
    from core.models import CohortUpdate

    w = campaign.world
    update_cohort(w.db, w.counselor_x, w.cohort_x, CohortUpdate(stalled_after_days=31), now=NOW)
    rows = _by_name(cohort_dashboard(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW))
    assert not rows["bob"]["stalled"]
    assert rows["bob"]["stalled"] is False
    update_cohort(w.db, w.counselor_x, w.cohort_x, CohortUpdate(stalled_after_days=30), now=NOW)
    assert _by_name(cohort_dashboard(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW))["bob"]["stalled"]


def test_a_counselor_comment_does_not_count_as_student_activity(campaign):
    w = campaign.world
    from core.models import CommentCreate
    from core.oversight.comments import add_comment

    add_comment(w.db, w.counselor_x, w.bob.user_id, CommentCreate(subject_type="student", subject_id=w.bob.user_id,
                                                                   body="How is it going?"), now=NOW)
    bob = _by_name(cohort_dashboard(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW))["bob"]
    assert bob["stalled"] and bob["last_activity_at"] == NOW - 30 * DAY


def test_thank_you_becomes_overdue_only_after_the_window(campaign):
    w = campaign.world
    held = NOW - 3 * DAY
    early = _by_name(cohort_dashboard(w.db, w.counselor_x, cohort_id=w.cohort_x, now=held + 2 * DAY))["alice"]
    late = _by_name(cohort_dashboard(w.db, w.counselor_x, cohort_id=w.cohort_x,
                                     now=held + 2 * DAY + DAY / 24))["alice"]
    assert (early["overdue_thank_yous"], late["overdue_thank_yous"]) == (0, 1)


def test_figures_agree_with_student_metrics(campaign):
    w = campaign.world
    rows = cohort_dashboard(w.db, w.admin, now=NOW)
    metrics = student_metrics(w.db, w.admin)
    assert {r["student_id"] for r in rows} == set(metrics)
    for r in rows:
        assert {k: r[k] for k in metrics[r["student_id"]]} == metrics[r["student_id"]]


def test_goal_pacing_in_sql_matches_goal_progress(campaign):
    w = campaign.world
    standings = goal_standings(w.db, w.counselor_x, w.cohort_x, now=NOW)
    assert [(s["name"].split()[0], s["metric"], s["current"], s["expected_now"], s["status"]) for s in standings] == [
        ("Alice", "interviews", 2, 1, "met"), ("Bob", "interviews", 0, 1, "missed"),
        ("Carl", "interviews", 0, 1, "missed"),
        ("Alice", "targets", 3, 2, "on_track"), ("Bob", "targets", 1, 2, "behind"), ("Carl", "targets", 0, 2, "behind"),
    ]
    for s in standings:
        mine = {g["goal_id"]: g for g in goal_progress(w.db, w.counselor_x, s["student_id"], now=NOW)}[s["goal_id"]]
        assert (mine["current"], mine["expected_now"], mine["status"]) == (s["current"], s["expected_now"], s["status"])
    summary = cohort_goal_summary(w.db, w.counselor_x, w.cohort_x, now=NOW)
    assert [(g["metric"], g["met"], g["on_track"], g["behind"], g["missed"], g["expected_now"]) for g in summary] == [
        ("interviews", 1, 0, 0, 2, 1), ("targets", 0, 1, 2, 0, 2)]


def test_funnel_counts_active_contacts_reaching_each_stage(campaign):
    w = campaign.world
    funnel = {f["stage"]: f["contacts"] for f in cohort_funnel(w.db, w.counselor_x, cohort_id=w.cohort_x)}
    # alice: A1, A2, R1 (A4 archived); bob: B1.
    assert funnel == {"target": 4, "research": 2, "outreach": 2, "interview": 2, "thank": 1, "reflect": 1,
                      "keep_in_touch": 0}


def test_heatmap_has_every_stage_for_every_student(campaign):
    w = campaign.world
    heat = stage_heatmap(w.db, w.counselor_x, cohort_id=w.cohort_x)
    assert len(heat) == 3 * 7
    alice = {h["stage"]: h["contacts"] for h in heat if h["student_id"] == w.alice.user_id}
    assert alice == {"target": 1, "research": 0, "outreach": 0, "interview": 1, "thank": 0, "reflect": 1,
                     "keep_in_touch": 0}


def test_weekly_activity_counts_student_actions_per_week(campaign):
    w = campaign.world
    weeks = weekly_activity(w.db, w.counselor_x, cohort_id=w.cohort_x, weeks=5, now=NOW)
    assert [str(x["week"]) for x in weeks] == ["2026-02-09", "2026-02-16", "2026-02-23", "2026-03-02", "2026-03-09"]
    by_week = {str(x["week"]): x for x in weeks}
    # Bob's only action (30 days ago) is on 2026-02-08, the week before the window. Alice's week of the 16th:
    # 2 contacts added, 2 research notes, 2 drafts, 2 sent, 2 replies, 2 meetings scheduled.
    assert by_week["2026-02-16"]["active_students"] == 1 and by_week["2026-02-16"]["events"] == 12
    assert by_week["2026-02-09"]["events"] == 0
    # The counselor commented on Sunday 8 March, still the week of the 2nd.
    assert by_week["2026-03-02"]["comments"] == 1 and by_week["2026-03-09"]["comments"] == 0
    assert by_week["2026-03-09"]["active_students"] == 1


def test_counselor_sees_only_assigned_cohorts(campaign):
    w = campaign.world
    with pytest.raises(NotFound):
        cohort_dashboard(w.db, w.counselor_y, cohort_id=w.cohort_x)
    with pytest.raises(NotFound):
        cohort_funnel(w.db, w.counselor_y, cohort_id=w.cohort_x)
    with pytest.raises(NotFound):
        goal_standings(w.db, w.counselor_y, w.cohort_x)
    everything_y = cohort_dashboard(w.db, w.counselor_y, now=NOW)
    assert [r["username"] for r in everything_y] == ["yara"]
    assert {h["student_id"] for h in stage_heatmap(w.db, w.counselor_y)} == {w.yara.user_id}


def test_admin_sees_every_cohort(campaign):
    w = campaign.world
    assert sorted(r["username"] for r in cohort_dashboard(w.db, w.admin, now=NOW)) == ["alice", "bob", "carl", "yara"]


def test_students_reach_no_dashboard(campaign):
    w = campaign.world
    for call in (lambda: cohort_dashboard(w.db, w.alice, cohort_id=w.cohort_x),
                 lambda: cohort_dashboard(w.db, w.alice),
                 lambda: cohort_funnel(w.db, w.alice),
                 lambda: stage_heatmap(w.db, w.alice),
                 lambda: weekly_activity(w.db, w.alice),
                 lambda: goal_standings(w.db, w.alice, w.cohort_x)):
        with pytest.raises(AccessDenied):
            call()


def test_overdue_count_follows_the_thank_you_status_view(campaign):
    from core.campaign import thanks
    from core.models import ThankYouCreate

    w = campaign.world

    def both(now):
        mine = {r["student_id"]: r["overdue_thank_yous"] for r in cohort_dashboard(w.db, w.admin, now=now)
                if r["overdue_thank_yous"]}
        with w.db.cursor() as cur:
            view = dict(cur.execute("""SELECT student_id, count(*) FROM thank_you_status
                                       WHERE sent_at IS NULL AND ? > due_at GROUP BY student_id""", [now]).fetchall())
        return mine, view

    for now in (NOW - 5 * DAY, NOW - DAY, NOW, NOW + 3 * DAY):
        mine, view = both(now)
        assert mine == view
    assert both(NOW)[0] == {w.alice.user_id: 1}
    # A thank-you tied to the contact rather than the meeting also settles it, in both.
    ty = thanks.create_thank_you(w.db, w.alice, campaign.a2, ThankYouCreate(body="Thank you, Ben"), now=NOW)
    thanks.mark_thank_you_sent(w.db, w.alice, ty, sent_at=NOW, now=NOW)
    assert both(NOW + DAY) == ({}, {})
