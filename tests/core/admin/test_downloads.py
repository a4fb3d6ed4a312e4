"""One-time download tokens and files sent from disk: a link works once, expires, and says why it fails."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from core.admin.downloads import TOKEN_TTL, DownloadFile, DownloadTokens
from core.errors import AccessDenied, DownloadGone, DownloadUnknown
from core.oversight.export import BOM, export_bytes, export_file
from tests.conftest import NOW
from tests.oversight_fixtures import Campaign


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _file(tmp_path: Path, data: bytes = b"a,b\r\n1,2\r\n") -> DownloadFile:
    folder = tmp_path / "portal-download-test"
    folder.mkdir()
    (folder / "x.csv").write_bytes(data)
    return DownloadFile((folder / "x.csv",), "x.csv", "text/csv; charset=utf-8", prefix=BOM)


def test_a_token_gives_its_maker_once_then_says_it_was_used():
    tokens = DownloadTokens(clock=Clock())
    token = tokens.issue(lambda: "the file")
    assert tokens.redeem(token)() == "the file"
    with pytest.raises(DownloadGone, match="already used: each link works once"):
        tokens.redeem(token)
    assert len(tokens) == 0


def test_a_token_expires_and_says_so_then_is_forgotten():
    clock = Clock()
    tokens = DownloadTokens(clock=clock)
    made = []
    token = tokens.issue(lambda: made.append(1))
    clock.now += TOKEN_TTL - 1
    assert len(tokens) == 1
    clock.now += 1
    assert len(tokens) == 0
    with pytest.raises(DownloadGone, match="expired: links last 15 minutes"):
        tokens.redeem(token)
    with pytest.raises(DownloadGone, match="expired"):  # still "expired", not "used", the second time
        tokens.redeem(token)
    clock.now += TOKEN_TTL  # long gone: forgotten altogether
    with pytest.raises(DownloadUnknown, match="not known here"):
        tokens.redeem(token)
    assert made == []  # an expired token never made a file


@pytest.mark.parametrize("token", ["", "abc", "../../etc/passwd", "x" * 43])
def test_an_unknown_token_is_refused(token):
    tokens = DownloadTokens(clock=Clock())
    tokens.issue(lambda: None)
    with pytest.raises(DownloadUnknown, match="click the download button again"):
        tokens.redeem(token)


def test_tokens_are_unguessable_and_distinct():
    tokens = DownloadTokens(clock=Clock())
    issued = {tokens.issue(lambda: None) for _ in range(200)}
    assert len(issued) == 200
    assert all(len(t) >= 43 and t.replace("-", "").replace("_", "").isalnum() for t in issued)  # 256 bits, URL-safe


def test_two_clicks_at_once_get_one_file():
    tokens = DownloadTokens(clock=Clock())
    token = tokens.issue(lambda: "file")
    results, start = [], threading.Barrier(8)

    def click():
        start.wait()
        try:
            results.append(tokens.redeem(token)())
        except DownloadGone:
            results.append("gone")

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["file"] + ["gone"] * 7


def test_a_file_is_sent_in_bounded_pieces_behind_its_prefix_and_removed(tmp_path):
    made = _file(tmp_path, b"x" * 10)
    assert made.size == 13
    assert list(made.chunks(4)) == [BOM, b"xxxx", b"xxxx", b"xx"]
    made.discard()
    assert not made.parts[0].exists() and not made.parts[0].parent.exists()


def test_a_kept_file_is_not_removed(tmp_path):
    kept = tmp_path / "portal-backup.duckdb"
    kept.write_bytes(b"db")
    DownloadFile((kept,), kept.name, "application/octet-stream", temporary=False).discard()
    assert kept.read_bytes() == b"db"


def test_an_export_file_holds_exactly_the_export(world):
    Campaign(world)
    for kind in ("progress", "pipeline", "activity"):
        made = export_file(world.db, world.counselor_x, kind, name=f"{kind}.csv", now=NOW)
        try:
            assert made.file_name == f"{kind}.csv" and made.media_type == "text/csv; charset=utf-8"
            assert b"".join(made.chunks()) == export_bytes(world.db, world.counselor_x, kind, now=NOW)
            assert made.size == len(export_bytes(world.db, world.counselor_x, kind, now=NOW))
        finally:
            made.discard()
        assert not made.parts[0].parent.exists()


def test_the_activity_log_written_in_slices_is_the_single_querys_file(world, monkeypatch):
    """Slices of one event each (every hour its own) give the same bytes as one slice for everything."""
    from core.oversight import export

    Campaign(world)
    whole = export_file(world.db, world.admin, "activity", now=NOW)
    monkeypatch.setattr(export, "SLICE_EVENTS", 1)
    sliced = export_file(world.db, world.admin, "activity", now=NOW)
    try:
        assert len(whole.parts) == 1 and len(sliced.parts) > 3
        assert b"".join(sliced.chunks()) == b"".join(whole.chunks())
        assert sliced.parts[0].read_bytes().startswith(b"event_id,occurred_at,")  # the header, once, first
        assert not any(p.read_bytes().startswith(b"event_id") for p in sliced.parts[1:])
    finally:
        whole.discard()
        sliced.discard()


@pytest.mark.parametrize("since, until", [(None, None), (date(2026, 3, 1), None), (None, date(2026, 3, 5)),
                                          (date(2026, 3, 1), date(2026, 3, 9))])
def test_slices_keep_every_event_of_a_period_once(world, monkeypatch, since, until):
    from core.oversight import export

    Campaign(world)
    expected = export_bytes(world.db, world.admin, "activity", since=since, until=until, now=NOW)
    monkeypatch.setattr(export, "SLICE_EVENTS", 2)
    assert export_bytes(world.db, world.admin, "activity", since=since, until=until, now=NOW) == expected


def test_folders_left_by_a_stopped_server_are_removed_once_stale(tmp_path):
    import os
    import time

    from core.admin.downloads import remove_stale_files

    old, fresh, other = tmp_path / "portal-download-old", tmp_path / "portal-download-fresh", tmp_path / "keep-me"
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "export-00000.csv").write_bytes(b"x")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert remove_stale_files(tmp_path) == 1
    assert not old.exists() and fresh.exists() and other.exists()


def test_a_token_is_redeemed_only_by_the_session_it_was_issued_to_and_a_stranger_does_not_use_it_up():
    tokens = DownloadTokens(clock=Clock())
    token = tokens.issue(lambda: "the file", holder=7)
    for stranger in (None, 8, "7"):
        with pytest.raises(AccessDenied, match="works only in the browser where it was made"):
            tokens.redeem(token, stranger)
    assert len(tokens) == 1
    assert tokens.redeem(token, 7)() == "the file"
