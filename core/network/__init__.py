"""The institution's network: the career office's volunteer directory, and what the campaigns so far say about who next.

volunteers: the directory, its CSV import, and care for people many students ask; narrowing: per
focus occupation, what the conversations held say, and which people to ask next (it reads the
directory, so it lives here rather than in the campaign). May import core's shared modules and the
areas below it: rules, store, identity, admin, campaign.
"""
