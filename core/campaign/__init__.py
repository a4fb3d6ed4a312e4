"""A student's campaign, contact by contact: target, research, outreach, interview, thank, reflect, keep in touch.

contacts (targets, focus occupations, stages), research, outreach (drafts, sent, replies), meetings
(schedule, log, referrals), thanks, reflections, keep_in_touch (follow-ups, where I landed), the
to-do list (todo), the LinkedIn import, the draft checker, merge fields, calendar files (ics) and
the student's private calendar feed (calendar_feed).
May import core's shared modules and the areas below it: rules, store, identity, admin.
"""
