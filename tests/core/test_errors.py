"""Every refusal of core is a PortalError; an id that cannot name a row is NotFound, one that can is a number
(core/errors.py)."""

import pytest

from core.errors import (
    AccessDenied,
    AccountError,
    CohortError,
    ContactError,
    ImportProblem,
    MeetingError,
    NotFound,
    OutreachError,
    PortalError,
    ReflectionError,
    ResearchError,
    RosterError,
    StaleEdit,
    ThankYouError,
    WriteConflict,
    check_id,
)


def test_every_core_refusal_is_a_portal_error():

    for cls in (AccountError, CohortError, ContactError, ImportProblem,
                MeetingError, OutreachError, ReflectionError, ResearchError,
                RosterError, ThankYouError, NotFound, AccessDenied, WriteConflict, StaleEdit):
        assert issubclass(cls, PortalError), cls


@pytest.mark.parametrize("value", ["²", "abc", "", "-1", "0", "99999999999999999999999", 10**30, -5, True, None, "1.5"])
def test_ids_that_cannot_name_a_row_are_not_found(value):
    with pytest.raises(NotFound):
        check_id(value, "contact")


def test_ids_that_can_are_returned_as_numbers():
    assert check_id("42") == 42 and check_id(7) == 7
