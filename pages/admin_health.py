"""Health and backups: schema version, row counts, database size, and a consistent backup on demand."""

from pathlib import Path

import streamlit as st

from core.backup import BACKUP_CONTENTS_WARNING, BackupError, backup, default_target, download_backup
from core.health import human_bytes, report
from core.models import Role
from ui.downloads import download_link, for_session
from ui.guard import require
from ui.widgets import when

db, actor = require(Role.ADMIN)

st.title("Health and backups")
r = report(db, actor)
cols = st.columns(4)
cols[0].metric("Schema version", f"{r.schema_version:04d}")
cols[1].metric("Database file", human_bytes(r.file_bytes))
cols[2].metric("Write-ahead log", human_bytes(r.wal_bytes))
cols[3].metric("Accounts", f"{r.row_counts.get('users', 0):,}")
st.caption(f"DuckDB {r.duckdb_version}")
st.text(f"Database: {r.database_path}")

left, right = st.columns(2)
with left:
    st.subheader("Rows per table")
    st.dataframe([{"Table": t, "Rows": n} for t, n in r.row_counts.items()], hide_index=True, width="stretch")
with right:
    st.subheader("Migrations applied")
    st.dataframe([{"Version": f"{m['version']:04d}", "File": m["name"], "Applied": when(m["applied_at"])}
                  for m in r.migrations], hide_index=True, width="stretch")

st.subheader("Back up now")
st.warning(BACKUP_CONTENTS_WARNING, icon=":material/lock:")
st.write("Writes a consistent copy of the whole database while everyone keeps working, into the `backups` folder "
         "beside the database; you can also download it. To restore, stop the portal and run "
         "`python -m core.backup restore <file>` (see docs/administration.md).")
if r.database_path == ":memory:":
    st.info("This portal runs on an in-memory database; there is no file to back up.")
elif st.button("Back up now", type="primary", key="admin_health_backup", icon=":material/backup:"):
    try:
        with st.spinner("Copying the database…"):
            result = backup(db, actor, default_target(Path(r.database_path).parent))
    except BackupError as exc:
        st.error(str(exc))
    else:
        st.session_state["admin_health_last"] = str(result.path)
        st.success(f"Backed up {result.users:,} accounts and {result.events:,} events "
                   f"({human_bytes(result.bytes)}) to {result.path.name}.")

last = st.session_state.get("admin_health_last")
if last and Path(last).is_file():
    backups_dir = default_target(Path(r.database_path).parent).parent

    def _backup(fresh):
        # Runs when the link is opened: core checks the admin again, records the download, and the
        # file is sent from disk (a backup is the whole database: never read into memory).
        return download_backup(db, fresh, last, backups_dir=backups_dir)

    download_link("Download the latest backup", for_session(db, _backup), key="admin_health_download",
                  help="Holds private reflections and password hashes; the download is recorded in the audit log.")
