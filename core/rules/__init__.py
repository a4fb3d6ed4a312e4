"""The derived facts of a campaign and their timing rules, each defined once.

facts: stages, thank-you due moments and overdue, per-student figures, kept figures (mark stale,
settle) as SQL over a scope of students; timing: business days, the one date a meeting shows, and
the timing defaults (thank-you window, stalled after, follow-up business days). The bottom of core:
it imports nothing of the portal, and everything else, the shared modules included, reads the
rules from here. Functions that work on the database take the caller's cursor.
"""
