"""Oversight of whole cohorts: the dashboard, progress and goals, the cockpit, comments, timelines, exports.

dashboard (one row per student, flags, funnel and weekly figures), progress (a student's figures
against the cohort's goals), cockpit (who needs a counselor this week), comments (threads on any
item of a campaign), timeline (a student's campaign read-only), export (the career office's CSVs), records (a student's
records whole, as an archive, and erasing them).
May import core's shared modules and the areas below it: rules, store, identity, admin, campaign,
network. A comment that should notify at once calls the hook the messaging area registers.
"""
