"""Health and backups: problems in the settings to fix, the scheduled work (last and next runs, failures, run
now), email and the outbox, schema version, row counts, database size, and a consistent backup on demand."""

from pathlib import Path

import streamlit as st

from core.admin.backup import BACKUP_CONTENTS_WARNING, backup, default_target, download_backup
from core.admin.health import human_bytes, problems, report
from core.config import get_settings
from core.errors import BackupError
from core.messaging.jobs import job_status, recent_runs, run_now
from core.messaging.mailer import email_status, outbox_counts
from core.models import Role
from core.store.db import redact_url
from ui import forms
from ui.campaign import link
from ui.disclosures import request_address
from ui.downloads import download_link, for_session
from ui.guard import require
from ui.widgets import md_escape, when

db, actor = require(Role.ADMIN)

P = "admin_health"
STATUS_WORDS = {"ok": "ok", "failed": "failed", "running": "running", "interrupted": "interrupted", None: "never run"}
# Coloured words, not emoji: every browser draws them (headless and kiosk browsers have no emoji font).
STATUS_MARKS = {"ok": ":green[:material/check_circle: ok]", "failed": ":red[:material/error: failed]",
                "running": ":blue[:material/autorenew: running]",
                "interrupted": ":orange[:material/warning: interrupted]", None: "never run"}

st.title("Health and backups", anchor=False)
settings = get_settings()

# ---------------------------------------------------------------- what to fix first
if to_fix := problems(settings):
    st.subheader("Problems to fix", anchor=False)
    for problem in to_fix:
        st.error(problem, icon=":material/error:")

# ---------------------------------------------------------------- scheduled work
st.subheader("Scheduled work", anchor=False)
if notice := st.session_state.pop(f"{P}_jobs_notice", None):
    (st.success if notice[0] == "ok" else st.error)(notice[1])
if not settings.jobs_in_process:
    st.caption("This portal does not run scheduled work itself (jobs_in_process is off): run "
               "`portal jobs --loop` beside it, or `run-once` from a scheduler.")
jobs = job_status(db, actor)
for job in jobs:
    with st.container(border=True):
        text_col, button_col = st.columns([5, 1], vertical_alignment="center")
        with text_col:
            st.markdown(f"**{md_escape(job.label)}** · "
                        f"{STATUS_MARKS.get(job.last_status, md_escape(str(job.last_status)))}")
            last = (f"Last run {when(job.last_started_at)}" if job.last_started_at else "Not run yet")
            failures = (f" · {job.runs_failed_last_7_days} failed in the last 7 days"
                        if job.runs_failed_last_7_days else "")
            upcoming = f"next {when(job.next_run_at)}" if job.next_run_at else "not scheduled (off in the settings)"
            st.caption(f"{last} · {upcoming}{failures}")
            if job.last_summary:
                st.text(job.last_summary)
            if job.last_status in ("failed", "interrupted") and job.last_error:
                st.error("The last run failed:", icon=":material/error:")
                st.code(job.last_error, language=None, wrap_lines=True)
        if button_col.button("Run now", key=f"{P}_run_{job.job}", icon=":material/play_arrow:"):
            with st.spinner(f"Running {job.label.lower()}…"):
                done = forms.submit(lambda: run_now(db, actor, job.job), where=text_col)
            if done.ok:
                run = done.value
                words = f"{job.label}: {STATUS_WORDS.get(run['status'], run['status'])}."
                detail = run.get("error") if run["status"] == "failed" else run.get("summary")
                st.session_state[f"{P}_jobs_notice"] = (
                    "ok" if run["status"] == "ok" else "failed",
                    md_escape(words + (f" {detail}" if detail else "")))
                st.rerun()
if not jobs:
    st.caption("No scheduled work is defined.")

runs = recent_runs(db, actor, limit=20)
with st.expander(f"Recent runs ({len(runs)})", icon=":material/history:"):
    if runs:
        labels = {j.job: j.label for j in jobs}
        st.dataframe([{"Job": labels.get(r_["job"], r_["job"]), "Started": when(r_["started_at"]),
                       "Finished": when(r_["finished_at"]) if r_["finished_at"] else "",
                       "Status": STATUS_WORDS.get(r_["status"], r_["status"]), "Runner": r_["runner"],
                       "What it did": r_["summary"] or "", "Error": r_["error"] or ""} for r_ in runs],
                     hide_index=True, width="stretch")
    else:
        st.caption("No runs recorded yet.")

st.subheader("Email", anchor=False)
(st.info if settings.email_configured else st.warning)(email_status(settings), icon=":material/mail:")
counts = outbox_counts(db, actor)
mail_cols = st.columns(3)
mail_cols[0].metric("Waiting to send", f"{counts.get('pending', 0) + counts.get('sending', 0):,}")
mail_cols[1].metric("Failed", f"{counts.get('failed', 0):,}",
                    help="Not sent after every retry; open the Outbox to read the error and send again.")
mail_cols[2].metric("Held (demo)" if not settings.email_configured else "Sent",
                    f"{counts.get('held' if not settings.email_configured else 'sent', 0):,}")
link("pages/admin_outbox.py", "Open the Outbox", icon=":material/outbox:")

st.subheader("Database", anchor=False)
r = report(db, actor)
cols = st.columns(4)
cols[0].metric("Schema version", f"{r.schema_version:04d}")
on_postgres = r.store.startswith("PostgreSQL")
if on_postgres:  # the server keeps its own files; their size is the database administrator's to watch
    cols[1].metric("Store", "PostgreSQL")
else:
    cols[1].metric("Database file", human_bytes(r.file_bytes))
    cols[2].metric("Write-ahead log", human_bytes(r.wal_bytes))
cols[3].metric("Accounts", f"{r.row_counts.get('users', 0):,}")
st.caption(r.store)
st.text(f"Database: {redact_url(r.database_path) if on_postgres else r.database_path}")

left, right = st.columns(2)
with left:
    st.subheader("Rows per table", anchor=False)
    st.dataframe([{"Table": t, "Rows": n} for t, n in r.row_counts.items()], hide_index=True, width="stretch")
with right:
    st.subheader("Migrations applied", anchor=False)
    st.dataframe([{"Version": f"{m['version']:04d}", "File": m["name"], "Applied": when(m["applied_at"])}
                  for m in r.migrations], hide_index=True, width="stretch")

st.subheader("Back up now", anchor=False)
st.warning(BACKUP_CONTENTS_WARNING, icon=":material/lock:")
st.write("Writes a consistent copy of the whole database while everyone keeps working, into the `backups` folder "
         "beside the database; you can also download it. To restore, stop the portal and run "
         "`portal backup restore <file>` (see docs/administration.md).")
if settings.backup_key:
    st.write("Backups are **encrypted** with the backup key (`PORTAL_BACKUP_KEY`): each is a file ending in `.enc` "
             "that only that key opens, and `portal backup restore` decrypts it. Keep a copy of the key away from "
             "the backups: without it no backup can be restored.")
else:
    st.warning("Backups are **not encrypted**: anyone who gets hold of a backup file can read every record in it. "
               "Set a backup key (`PORTAL_BACKUP_KEY`, 32 or more random characters) to encrypt every backup "
               "from then on (docs/administration.md, \"Encrypted backups\").", icon=":material/no_encryption:")
if r.database_path == ":memory:":
    st.info("This portal runs on an in-memory database; there is no file to back up.")
elif st.button("Back up now", type="primary", key="admin_health_backup", icon=":material/backup:"):
    try:
        with st.spinner("Copying the database…"):
            result = backup(db, actor, default_target(Path(r.database_path).parent), key=settings.backup_key)
    except BackupError as exc:
        st.error(str(exc))
    else:
        st.session_state["admin_health_last"] = str(result.path)
        st.success(f"Backed up {result.users:,} accounts and {result.events:,} events "
                   f"({human_bytes(result.bytes)}) to {result.path.name}"
                   + (", encrypted." if settings.backup_key else "."))

last = st.session_state.get("admin_health_last")
if last and Path(last).is_file():
    backups_dir = default_target(Path(r.database_path).parent).parent
    address = request_address()

    def _backup(fresh):
        # Runs when the link is opened: core checks the admin again, records the download, and the
        # file is sent from disk (a backup is the whole database: never read into memory).
        return download_backup(db, fresh, last, backups_dir=backups_dir, address=address)

    download_link("Download the latest backup", for_session(db, _backup), key="admin_health_download",
                  help="Holds private reflections and password hashes; the download is recorded in the audit log.")
