"""The database seam: one connection or pool per process, the SQL both stores share and where they differ.

Holds the store (db, dialect), the numbered migrations and their runner, moving a portal between
stores (transfer), once-only creates (idempotency), version checks on save (versioning), the event
log every write appends to (events), reading an uploaded CSV (csv_input) and the command-line
wrapper (commands). Imports only core's shared modules (errors, models, config, clock) and
core.rules.timing, whose kept figures an event marks stale as its transaction commits.
"""
