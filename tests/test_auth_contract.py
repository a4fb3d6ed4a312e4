"""What the portal's sign-in relies on inside streamlit-authenticator, pinned.

ui/auth.py builds the library's Authenticate and CookieController without their constructors, so
that the cookie component is drawn only when a cookie is written or deleted (drawn on every run it
forces a second run, in which a click can be lost). That reaches into the library's internals; these
tests fail on an upgrade that changes them, before the portal breaks in a browser. Replacing the
construction by the library's documented API, once it offers a lazy cookie, removes the need.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import streamlit_authenticator as stauth
from streamlit_authenticator.controllers.cookie_controller import CookieController
from streamlit_authenticator.models.cookie_model import CookieModel

from ui.auth import _LazyCookieModel, _PortalAuthenticator

CREDENTIALS = {"usernames": {}}
KEY = "contract-test-cookie-key-0123456789abcdef"


def test_the_library_is_the_version_these_contracts_were_read_from():
    assert version("streamlit-authenticator") == "0.4.2"


def test_the_portal_authenticator_holds_what_the_librarys_constructor_sets():
    real = stauth.Authenticate(CREDENTIALS, "c", KEY, 1.0)
    ours = _PortalAuthenticator(CREDENTIALS, "c", KEY, 1.0)
    assert set(vars(ours)) == set(vars(real))
    assert set(vars(ours.cookie_controller)) == set(vars(real.cookie_controller)) == {"cookie_model"}
    # The lazy model has every attribute of the library's, its component behind a property.
    real_model, our_model = real.cookie_controller.cookie_model, ours.cookie_controller.cookie_model
    assert isinstance(our_model, CookieModel) and isinstance(our_model, _LazyCookieModel)
    assert set(vars(real_model)) == (set(vars(our_model)) - {"_manager"}) | {"cookie_manager"}
    for name in ("cookie_name", "cookie_key", "cookie_expiry_days"):
        assert getattr(our_model, name) == getattr(real_model, name)


def test_the_cookie_calls_the_portal_makes_exist_and_go_through_the_model():
    for name in ("set_cookie", "get_cookie", "delete_cookie"):
        method = getattr(CookieController, name)
        assert list(inspect.signature(method).parameters) == ["self"], name
        assert "self.cookie_model." in inspect.getsource(method), name
    # The model reaches its browser component only through `cookie_manager`, which the lazy model
    # turns into a property.
    source = inspect.getsource(CookieModel)
    assert "self.cookie_manager" in source
    assert "exp_date" in inspect.getsource(CookieModel.set_cookie)
