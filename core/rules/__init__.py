"""The derived facts of a campaign and their timing rules, each defined once.

facts: stages, thank-you due moments and overdue, per-student figures, kept figures (mark stale,
settle) as SQL over a scope of students; timing: business days, the one date a meeting shows, and
the timing defaults (thank-you window, stalled after, follow-up business days). Imports nothing of
the portal but core's shared modules: the store, and everything above it, reads the rules from here.
"""
