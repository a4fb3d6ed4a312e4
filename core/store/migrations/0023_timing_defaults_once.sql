-- The timing defaults (thank-you window, stalled after, follow-up business days) are defined once, in
-- core/rules/timing.py. Every cohort is created with its three settings given (core/admin/cohorts.py,
-- from the portal's settings for new cohorts), so the columns keep no default of their own to drift.
ALTER TABLE cohorts ALTER COLUMN thank_you_window_hours DROP DEFAULT;
ALTER TABLE cohorts ALTER COLUMN stalled_after_days DROP DEFAULT;
ALTER TABLE cohorts ALTER COLUMN follow_up_business_days DROP DEFAULT;
