"""Who someone is and what they may see: access, accounts, sessions, single sign-on, registration, proxies.

access scopes every query by the acting user; accounts keep passwords and the sign-in throttle;
sessions are the server's record of each sign-in; sso maps a provider's verified email to an
account; registration opens a cohort to self-registration with an invite code; proxies find the
client's address behind trusted reverse proxies. Imports core's shared modules, core.rules and
core.store only.
"""
