"""Single sign-on: whether password sign-in stays open, and which email domains make students of a cohort."""

import streamlit as st

from core.admin.cohorts import all_cohorts
from core.config import get_settings
from core.identity import sso
from core.identity.accounts import list_users
from core.models import Role
from ui import forms
from ui.guard import require
from ui.widgets import md_escape

db, actor = require(Role.ADMIN)
settings = get_settings()

st.title("Single sign-on", anchor=False)
st.write("People sign in with their institution's account (Microsoft Entra ID, Okta, Google Workspace or any "
         "OpenID Connect provider) and are matched to their portal account by the email address the provider "
         "confirms. Their role stays the one the portal gives them. The administration guide explains how to "
         "register the portal at your provider.")
if settings.sso_provider:
    st.info(f"Single sign-on is set up: the sign-in page offers **Sign in with {md_escape(settings.sso_label)}**.",
            icon=":material/verified_user:")
else:
    st.warning("Single sign-on is not set up on this server (no `sso_provider` in the portal's settings): the "
               "rules below take effect once it is.", icon=":material/info:")
if flash := st.session_state.pop("admin_sso_flash", None):
    st.success(flash)
current = sso.policy(db)

st.subheader("Password sign-in", anchor=False)
admins = {u["id"]: f"{u['first_name']} {u['last_name']} ({u['username']})"
          for u in list_users(db, actor, role=Role.ADMIN, active=True)}
with st.form("admin_sso_policy"):
    required = st.toggle("Require single sign-on", value=current.require_sso, key="admin_sso_require",
                         help="Password sign-in is then refused for everyone except the emergency account.")
    keeper_ids = list(admins)
    keeper = st.selectbox("Emergency account (keeps password sign-in)", keeper_ids, format_func=admins.get,
                          index=keeper_ids.index(current.break_glass_user_id)
                          if current.break_glass_user_id in keeper_ids else None,
                          placeholder="Choose an admin", key="admin_sso_keeper",
                          help="For when the provider is down or misconfigured. Keep its password somewhere safe.")
    problem = st.empty()
    if st.form_submit_button("Save", type="primary"):
        if required and not settings.sso_provider:
            problem.error("Set up single sign-on first: with no provider, only the emergency account could sign in.")
        elif forms.submit(lambda: sso.set_requirement(db, actor, require_sso=required, break_glass_user_id=keeper),
                          where=problem).ok:
            st.session_state["admin_sso_flash"] = ("Single sign-on is now required; password sign-in is kept for the "
                                                   "emergency account only." if required
                                                   else "Password sign-in is open to everyone.")
            st.rerun()

st.subheader("New students from an email domain", anchor=False)
st.write("Someone who signs in through the provider without a portal account is told to ask the career office. "
         "For a domain listed here, a student account is made in its cohort instead.")
cohorts = {c["id"]: c["name"] for c in all_cohorts(db, actor) if not c["archived_at"]}
if current.domains:
    for domain, cohort_id in current.domains.items():
        left, right = st.columns([4, 1])
        left.markdown(f"**@{md_escape(domain)}** → {md_escape(cohorts.get(cohort_id, 'an archived cohort'))}")
        if right.button("Remove", key=f"admin_sso_remove_{domain}"):
            sso.remove_domain(db, actor, domain=domain)
            st.session_state["admin_sso_flash"] = f"@{domain} no longer makes accounts; accounts already made stay."
            st.rerun()
else:
    st.caption("No domain: unknown email addresses are refused.")
if cohorts:
    with st.form("admin_sso_domain", clear_on_submit=True):
        domain = st.text_input("Email domain", placeholder="students.college.edu", key="admin_sso_domain_text")
        cohort_id = st.selectbox("Cohort", list(cohorts), format_func=cohorts.get, key="admin_sso_domain_cohort")
        where = st.empty()
        if st.form_submit_button("Allow this domain"):
            if forms.submit(lambda: sso.allow_domain(db, actor, domain=domain, cohort_id=cohort_id), where=where).ok:
                st.session_state["admin_sso_flash"] = f"People of @{sso.normalize_domain(domain)} now join " \
                                                      f"{cohorts[cohort_id]} at their first sign-in."
                st.rerun()
