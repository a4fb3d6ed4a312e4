"""Fixtures of the messaging tests: a real SMTP server on loopback."""

import pytest

from tests.smtp_server import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()
