"""A save from a form opened on an older version is refused, saying what changed (core/store/versioning.py)."""

import pytest

from core.errors import StaleEdit
from core.store import versioning


def test_a_stale_version_is_refused_with_what_changed():
    stored = {"version": 3, "about_person": "new", "about_organization": "Acme"}
    versioning.check(stored, 3, what="research", fields=["about_person"])  # same version: fine
    versioning.check(stored, None, what="research", fields=["about_person"])  # no form: not checked
    with pytest.raises(StaleEdit) as caught:
        versioning.check(stored, 2, what="research", fields=["about_person", "about_organization"],
                         original={"about_person": "old", "about_organization": "Acme"})
    assert caught.value.changed == ["about_person"]
    assert caught.value.current == {"about_person": "new", "about_organization": "Acme"}
    assert caught.value.current_version == 3
    assert "changed since you opened it" in str(caught.value)
    with pytest.raises(StaleEdit):
        versioning.check(stored, 0, what="research")  # the form was opened before the record existed
