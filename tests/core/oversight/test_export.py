"""CSV exports: documented columns, encoding, formula guard, quoting round trip, private text, access, streaming."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core.campaign import contacts
from core.errors import AccessDenied, NotFound, SessionEnded
from core.models import ContactCreate
from core.oversight import export
from core.oversight.export import ACTIVITY_COLUMNS, PIPELINE_COLUMNS, PROGRESS_COLUMNS, cell, export_csv
from tests.conftest import NOW
from tests.oversight_fixtures import DAY, SECRET, Campaign


@pytest.fixture
def campaign(world) -> Campaign:
    return Campaign(world)


def _bytes(db, actor, kind, **options) -> bytes:
    return b"".join(export_csv(db, actor, kind, now=NOW, **options))


def _frame(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), ("", ""), (None, ""), (-5, "-5"), (2.5, "2.5"),
    (True, "true"), (False, "false"), (date(2026, 3, 10), "2026-03-10"), (NOW, "2026-03-10T15:00:00"),
])
def test_cell_guards_text_and_formats_values(value, expected):
    assert cell(value) == expected


def test_every_export_starts_with_bom_and_documented_header(campaign):
    w = campaign.world
    for kind, columns in (("progress", PROGRESS_COLUMNS), ("pipeline", PIPELINE_COLUMNS),
                          ("activity", ACTIVITY_COLUMNS)):
        data = _bytes(w.db, w.admin, kind)
        assert data.startswith(b"\xef\xbb\xbf")
        assert list(_frame(data).columns) == [c for c, _, _ in columns]


def test_docs_list_every_column(campaign):
    docs = (Path(__file__).resolve().parents[3] / "docs" / "exports.md").read_text(encoding="utf-8")
    for kind in export.KINDS:
        for name, kind_type, _ in export.columns_for(kind, include_notes=True):
            assert f"| `{name}` | {kind_type} |" in docs, (kind, name)


def test_progress_rows_round_trip(campaign):
    w = campaign.world
    frame = _frame(_bytes(w.db, w.counselor_x, "progress"))
    assert list(frame["first_name"]) == ["Alice", "Bob", "Carl"]
    alice = frame.iloc[0]
    assert [alice[c] for c in ("targets", "researched", "outreach_sent", "interviews", "thanked", "reflections",
                               "referrals", "overdue_thank_yous", "meetings_without_reflection")] == \
        ["3", "2", "2", "2", "1", "1", "1", "1", "1"]
    assert alice["cohort"] == "Cohort X"
    assert alice["last_activity_at"] == (NOW - DAY).isoformat()
    assert list(frame["stalled"]) == ["false", "true", "false"]
    assert list(frame["goals_off_track"]) == ["0", "2", "2"]


def test_pipeline_escapes_formulas_quotes_commas_and_newlines(campaign):
    w = campaign.world
    data = _bytes(w.db, w.counselor_x, "pipeline")
    frame = _frame(data)
    ann = frame[frame["contact_first_name"] == "Ann"].iloc[0]
    ben = frame[frame["contact_first_name"] == "Ben"].iloc[0]
    assert ann["organization"] == "'=cmd|' /C calc'!A0"
    assert ben["contact_last_name"] == 'Two, "Jr"'
    assert ben["organization"] == "Line\nbreak Ltd"
    assert ann["stage"] == "reflect" and ann["interview_at"] == (NOW - 10 * DAY).isoformat()
    assert ben["thank_you_overdue"] == "true" and ann["thank_you_overdue"] == "false"
    assert ben["thank_you_due_at"] == (NOW - DAY).isoformat()
    assert ann["last_reply"] == "accepted"
    # No cell of the raw file starts a formula, however it is quoted.
    for line in data.decode("utf-8-sig").split("\r\n"):
        for raw in line.split(","):
            assert not raw.lstrip('"').startswith(("=", "+", "@")), raw
    assert len(frame) == 5  # Ann, Ben, Rita (referral), Archie (archived), Bea


def test_private_reflections_never_leave(campaign):
    w = campaign.world
    for kind in export.KINDS:
        data = _bytes(w.db, w.admin, kind, include_notes=True)
        assert SECRET.encode() not in data
    notes = _frame(_bytes(w.db, w.admin, "pipeline", include_notes=True))
    yves = notes[notes["contact_first_name"] == "Yves"].iloc[0]
    assert yves["reflections"] == ""
    assert yves["research_notes"] == "'=HYPERLINK(\"http://x\")"
    ann = notes[notes["contact_first_name"] == "Ann"].iloc[0]
    assert ann["reflections"] == "Curious and encouraged."
    assert ann["meeting_notes"] == "People over spreadsheets."


def test_notes_only_when_asked_and_only_for_admins(campaign):
    w = campaign.world
    plain = _bytes(w.db, w.admin, "pipeline")
    assert b"Curious and encouraged." not in plain and b"Met at the fair." not in plain
    assert b"Met at the fair." in _bytes(w.db, w.admin, "pipeline", include_notes=True)
    assert "detail" in _frame(_bytes(w.db, w.admin, "activity", include_notes=True)).columns
    assert "detail" not in _frame(_bytes(w.db, w.admin, "activity")).columns
    with pytest.raises(AccessDenied):
        export_csv(w.db, w.counselor_x, "pipeline", include_notes=True)


def test_students_export_nothing(campaign):
    w = campaign.world
    for kind in export.KINDS:
        with pytest.raises(AccessDenied):
            export_csv(w.db, w.alice, kind)
        with pytest.raises(AccessDenied):
            export_csv(w.db, w.alice, kind, cohort_id=w.cohort_x)


def test_counselor_exports_only_assigned_cohorts(campaign):
    w = campaign.world
    for kind in export.KINDS:
        with pytest.raises(NotFound):
            export_csv(w.db, w.counselor_x, kind, cohort_id=w.cohort_y)
    everything = _frame(_bytes(w.db, w.counselor_x, "activity"))
    assert set(everything["student_id"].astype(int)) == {w.alice.user_id, w.bob.user_id, campaign.carl.user_id}
    assert set(_frame(_bytes(w.db, w.counselor_y, "pipeline"))["contact_first_name"]) == {"Yves"}


def test_period_filters_counts_rows_and_events(campaign):
    w = campaign.world
    last_week = dict(since=(NOW - 5 * DAY).date(), until=NOW.date())
    alice = _frame(_bytes(w.db, w.counselor_x, "progress", **last_week)).iloc[0]
    # In the last five days Alice held one interview (Ben) and archived Archie: nothing else counted.
    assert [alice[c] for c in ("targets", "researched", "outreach_sent", "interviews", "thanked", "reflections",
                               "referrals")] == ["0", "0", "0", "1", "0", "0", "0"]
    pipeline = _frame(_bytes(w.db, w.counselor_x, "pipeline", **last_week))
    assert sorted(pipeline["contact_first_name"]) == ["Archie", "Ben"]
    activity = _frame(_bytes(w.db, w.counselor_x, "activity", **last_week))
    assert all(x >= (NOW - 5 * DAY).date().isoformat() for x in activity["occurred_at"])
    # Ben's meeting logged, Archie added and archived, the counselor's comment, and the three accounts
    # created and put in the cohort today (cohort-level events such as goals belong to no student).
    assert len(activity) == 10
    assert set(activity["action"]) == {"logged", "created", "archived", "commented", "joined_cohort"}


def test_large_exports_stream_in_pieces(campaign, monkeypatch):
    w = campaign.world
    monkeypatch.setattr(export, "CHUNK_BYTES", 64)
    chunks = list(export_csv(w.db, w.admin, "activity", now=NOW))
    events = len(_frame(b"".join(chunks)))
    assert events > 6
    assert chunks[0] == export.BOM and len(chunks) > 3 and all(len(c) <= 64 for c in chunks)


@pytest.mark.parametrize("name", ["=1+1", "+SUM(A1)", "-5", "@cmd", "\tTabbed", "\rReturned", 'Say "hi", then',
                                  "Line\nbreak", "Zoë Ñúñez", " spaced ", "plain"])
def test_the_database_writes_every_cell_as_the_cell_rule_says(campaign, name):
    """DuckDB formats the files (COPY); `cell` is the rule: the two agree on hostile and plain text."""
    w = campaign.world
    c = contacts.create_contact(w.db, w.alice, ContactCreate(first_name="Plain", organization="Plain"), now=NOW)
    with w.db.cursor() as cur:
        # Written past the forms (which refuse formula-like names and line breaks in one-line fields): what a portal
        # may hold from before the rule, or from a path that cleans rather than refuses, still leaves defused.
        cur.execute("UPDATE contacts SET first_name = ?, organization = ? WHERE id = ?", [name[:100], name, c.id])
    frame = _frame(export.export_bytes(w.db, w.admin, "pipeline", now=NOW))
    mine = frame[frame["contact_id"] == str(c.id)].iloc[0]
    stored = contacts.get_contact(w.db, w.alice, c.id)  # as saved (core trims and checks text)
    assert mine["contact_first_name"] == cell(stored.first_name)
    assert mine["organization"] == cell(stored.organization)


def test_command_line_exports_as_the_given_user(demo_copy, tmp_path):
    out = tmp_path / "progress.csv"
    assert export.main(["progress", "--db", str(demo_copy), "--cohort", "Health & Science Explorers, Fall 2026",
                        "--as", "counselor.rivera", "--out", str(out)]) == 0
    frame = _frame(out.read_bytes())
    assert len(frame) == 12 and set(frame["cohort"]) == {"Health & Science Explorers, Fall 2026"}
    assert "student12" in set(frame["email"].str.split("@").str[0])
    assert frame.loc[frame["email"].str.startswith("student12@"), "stalled"].item() == "true"
    with pytest.raises(SystemExit, match="Only the career office"):
        export.main(["pipeline", "--db", str(demo_copy), "--as", "counselor.rivera", "--include-notes",
                     "--out", str(tmp_path / "notes.csv")])
    assert not (tmp_path / "notes.csv").exists()
    with pytest.raises(SystemExit, match="counselor or admin role"):
        export.main(["activity", "--db", str(demo_copy), "--as", "student01", "--out", str(tmp_path / "a.csv")])
    with pytest.raises(SystemExit, match="No such cohort"):
        export.main(["progress", "--db", str(demo_copy), "--cohort", "Health & Science Explorers, Fall 2026",
                     "--as", "counselor.okafor", "--out", str(tmp_path / "b.csv")])
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()


def _command_line_file(demo_copy, tmp_path) -> tuple[bytes, bytes, str]:
    from core.identity.access import SYSTEM
    from core.store.db import Database

    out = tmp_path / "activity.csv"
    assert export.main(["activity", "--db", str(demo_copy), "--out", str(out)]) == 0
    db = Database(demo_copy)
    try:
        with db.cursor() as cur:
            budget = cur.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        return out.read_bytes(), export.export_bytes(db, SYSTEM, "activity"), budget
    finally:
        db.close()


@pytest.mark.parametrize("budget", [export.COMMAND_LINE_MEMORY, "100KB"])
def test_the_command_line_writes_the_portals_file_within_its_memory_budget(demo_copy, tmp_path, monkeypatch, budget):
    """The command line gives DuckDB a memory budget (what does not fit is spilled to disk): the file is
    the portal's own, byte for byte, however small the budget; the portal's process keeps its default."""
    monkeypatch.setattr(export, "COMMAND_LINE_MEMORY", budget)
    written, portal, default = _command_line_file(demo_copy, tmp_path)
    assert written == portal and len(written) > 10_000
    assert default != budget


def test_an_export_out_of_memory_within_the_budget_is_made_again_without_it(demo_copy, tmp_path, monkeypatch):
    import duckdb

    real, calls = export.export_csv, []

    def short_of_memory(db, *args, **kwargs):
        with db.cursor() as cur:
            calls.append(cur.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        if len(calls) == 1:
            def failing():
                raise duckdb.OutOfMemoryException("could not allocate block of size 256.0 KiB")
                yield b""
            return failing()
        return real(db, *args, **kwargs)

    monkeypatch.setattr(export, "export_csv", short_of_memory)
    written, portal, default = _command_line_file(demo_copy, tmp_path)
    assert written == portal
    assert calls[0] != default and calls[1] == default  # the second try without the budget


def test_pipeline_thank_you_columns_follow_the_thank_you_status_view(campaign):
    w = campaign.world
    for now in (NOW - 5 * DAY, NOW, NOW + 3 * DAY):
        frame = _frame(b"".join(export_csv(w.db, w.admin, "pipeline", now=now)))
        mine = {int(r.contact_id): (r.thank_you_due_at, r.thank_you_overdue) for r in frame.itertuples()
                if r.thank_you_due_at}
        with w.db.cursor() as cur:
            view = {c: (cell(due), cell(bool(late))) for c, due, late in cur.execute(
                """SELECT contact_id, min(due_at), bool_or(sent_at IS NULL AND ? > due_at)
                   FROM thank_you_status GROUP BY contact_id""", [now]).fetchall()}
        assert mine == view
        assert len(view) == 3  # Ann, Ben, Yves


# ---------------------------------------------------------------- a deactivated account, bad command lines

import subprocess  # noqa: E402
import sys  # noqa: E402

from core.identity.accounts import set_active  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("cohort", ["all", "one"])
def test_a_deactivated_counselor_exports_nothing(campaign, cohort):
    w = campaign.world
    set_active(w.db, w.admin, w.counselor_x.user_id, False, now=NOW)
    options = {"cohort_id": w.cohort_x} if cohort == "one" else {}
    with pytest.raises(AccessDenied, match="no longer active"):
        export_csv(w.db, w.counselor_x, "progress", now=NOW, **options)


def test_the_dashboard_download_is_made_at_click_time_with_a_fresh_session_check(campaign):
    from core.identity import sessions
    from ui.downloads import session_maker

    w = campaign.world
    session = sessions.start(w.db, user_id=w.counselor_x.user_id, method=sessions.PASSWORD, expiry_days=7)
    # The page is drawn: what the button will make, for this session, nothing made yet.
    make = session_maker(w.db, session.session_id, lambda actor: export.export_file(
        w.db, actor, "progress", name="progress.csv", cohort_id=w.cohort_x, now=NOW))
    made = make()  # a click while still active gets the file (the cohort's students)
    try:
        assert len(_frame(b"".join(made.chunks()))) == 3
    finally:
        made.discard()
    set_active(w.db, w.admin, w.counselor_x.user_id, False, now=NOW)  # deactivated while the page is open
    with pytest.raises(SessionEnded, match="no longer active"):
        make()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.oversight.export", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args, message", [
    (["--until", "9999-12-31"], "9999-12-31 is out of range (1900 to 2199). Leave --since or --until out"),
    (["--since", "2026-13-01"], "'2026-13-01' is not a date; write it as YYYY-MM-DD, for example 2026-03-31."),
    (["--since", "yesterday"], "'yesterday' is not a date; write it as YYYY-MM-DD"),
    (["--cohort", "No Such Explorers"], "No cohort 'No Such Explorers' (give its id or its exact name)."),
    (["--cohort", "99999999999999999999"], "No cohort '99999999999999999999'"),
    (["--cohort", "²"], "No cohort '²'"),
    (["--since", "2026-05-01", "--until", "2026-04-01"], "The period ends before it starts"),
    (["--as", "nobody.here"], "No active account 'nobody.here'."),
])
def test_bad_command_lines_get_a_message_and_no_file(demo_copy, tmp_path, args, message):
    out = tmp_path / "progress.csv"
    done = _cli("progress", "--db", str(demo_copy), *args, "--out", str(out))
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_a_period_up_to_the_last_day_there_is_works_in_core(campaign):
    w = campaign.world
    assert len(_frame(_bytes(w.db, w.admin, "progress", until=date(9999, 12, 31)))) > 0


def test_an_unwritable_output_file_is_explained(demo_copy, tmp_path):
    done = _cli("progress", "--db", str(demo_copy), "--out", str(tmp_path / "no-such-folder" / "p.csv"))
    assert done.returncode != 0
    assert "Cannot write" in done.stderr and "Traceback" not in done.stderr
