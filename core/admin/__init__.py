"""The career office's administration: cohorts, the content library, the roster, audit, backups, health,
production set-up, downloads.

cohorts (and their counselors, members, goals, term dates, invite codes), the content library
(question bank, templates, prompts, contact sources, and editing them), roster import, the audit
view, backup and restore, the health report, setting up a real instance, and files handed to a
browser behind one-time links (downloads). May import core's shared modules and the areas below
it: rules, store, identity. The campaign, the oversight and the messaging read cohorts and the
content library from here.
"""
