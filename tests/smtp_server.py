"""A real SMTP server on loopback for the tests (aiosmtpd), keeping every message it receives."""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Callable
from email.message import Message
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keeper:
    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[Message] = []
        self.delay = delay
        self.lock = threading.Condition()  # notified at each arrival, so a test waits on the mail itself

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            time.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append(message)
            self.lock.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    """Started on a free loopback port; `messages` are the parsed emails received, in order."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.port = free_port()
        self.keeper = _Keeper(delay)
        self.controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        with self.keeper.lock:
            return list(self.keeper.messages)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def wait_until(self, found: Callable[[list[Message]], Any], timeout: float = 30.0) -> Any:
        """found(messages) once it is truthy, woken by each arrival (at most timeout); None if it never is."""
        with self.keeper.lock:
            return self.keeper.lock.wait_for(lambda: found(list(self.keeper.messages)), timeout) or None

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Message]:
        """The messages once at least `count` arrived (waits on the server's state, at most timeout)."""
        got = self.wait_until(lambda messages: messages if len(messages) >= count else None, timeout)
        if got is None:
            raise AssertionError(f"expected {count} emails, the server received {len(self.messages)}")
        return got

    def settings(self, **extra):
        """Portal settings that send through this server."""
        from core.config import Settings

        return Settings(smtp_host="127.0.0.1", smtp_port=self.port, smtp_security="none",
                        smtp_from="portal@example.edu", base_url="http://portal.example.edu", **extra)
