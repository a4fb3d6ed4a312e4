"""Files the portal hands to a browser from disk, never whole in memory, behind one-time links.

A page that offers a download does not make the file when it is drawn: it issues a token that
stands for "make this file, for this session, when asked" (`DownloadTokens.issue`). The browser
fetches `/download/<token>` (ui/download_route.py serves it); the route redeems the token once,
runs the maker (which checks the account again at that moment and writes the file to disk), then
sends the file in CHUNK_BYTES pieces and, for a temporary file, removes it.

A token is 256 random bits, works once, expires TOKEN_TTL after it was issued, and belongs to the
browser session that drew it (its holder: the session its HttpOnly re-login cookie names). A request
from elsewhere (no cookie, another session's cookie) is refused and the link stays usable where it was
drawn, so a link that leaks (copied, logged, shared) gives nobody the file. Tokens live in
the memory of the serving process (TOKENS): a restart forgets them, and the page simply issues new
ones. Nothing but the token travels in the address: what the file is and who asked stays here.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import AccessDenied, DownloadGone, DownloadUnknown

CHUNK_BYTES = 1 << 20
TOKEN_TTL = 15 * 60  # seconds
LINKS_LAST = "15 minutes"  # TOKEN_TTL in words, for messages


@dataclass(frozen=True)
class DownloadFile:
    """A file on disk ready to send, possibly written in parts (sent one after the other): its name
    for the browser, its type, bytes to send before it (the CSV byte-order mark), and whether it is
    temporary, to remove once sent."""

    parts: tuple[Path, ...]
    file_name: str
    media_type: str
    prefix: bytes = b""
    temporary: bool = True

    @property
    def size(self) -> int:
        """The bytes the browser receives: the prefix and every part."""
        return len(self.prefix) + sum(part.stat().st_size for part in self.parts)

    def chunks(self, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The prefix, then the parts in pieces of at most chunk_bytes (memory stays bounded)."""
        if self.prefix:
            yield self.prefix
        for part in self.parts:
            with open(part, "rb") as handle:
                while chunk := handle.read(chunk_bytes):
                    yield chunk

    def discard(self) -> None:
        """Remove a temporary file (and the private folder it was made in); keep any other."""
        if not self.temporary:
            return
        for part in self.parts:
            if part.parent.name.startswith(TEMP_PREFIX):
                shutil.rmtree(part.parent, ignore_errors=True)
            else:
                part.unlink(missing_ok=True)


TEMP_PREFIX = "portal-download-"
STALE_AFTER = 24 * 3600  # seconds: no download takes a day; other portals on the machine may share the folder


def remove_stale_files(folder: str | Path | None = None, *, older_than: float = STALE_AFTER) -> int:
    """Remove temporary download folders older than older_than (left by a server stopped mid-download);
    returns how many. folder: where temporary files go (default: the system's)."""
    removed = 0
    now = time.time()
    for stale in Path(folder or tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        try:
            if stale.is_dir() and now - stale.stat().st_mtime > older_than:
                shutil.rmtree(stale, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed

Maker = Callable[[], DownloadFile]


NOT_YOURS = ("Nothing was downloaded: this download link works only in the browser where it was made, while "
             "you are signed in there. If that is this browser, go back to the portal, reload the page and click "
             "the download button again; the link itself was not used up.")


@dataclass
class _Entry:
    expires: float
    make: Maker | None  # dropped once redeemed or expired
    holder: object = None  # the session that drew the link; only a request from it may redeem the token
    used: bool = False


class DownloadTokens:
    """One-time, short-lived download tokens, each standing for a maker of the file.

    Safe across threads: pages issue tokens from their script threads, the route redeems them
    from the server's. A token is remembered for one more TTL after it expires, so a late or
    second click is told "expired" or "already used" rather than "not known". `clock` is
    injectable for tests (seconds, monotonic).
    """

    def __init__(self, *, ttl: float = TOKEN_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._clock = ttl, clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def issue(self, make: Maker, *, holder: object = None) -> str:
        """A new token for make, redeemable only by a request from holder (the drawing session's id);
        the file is made only when the token is redeemed."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._forget_old(now)
            self._entries[token] = _Entry(now + self._ttl, make, holder)
        return token

    def redeem(self, token: str, holder: object = None) -> Maker:
        """The maker behind a token, which can never be redeemed again.

        holder: the session the request comes from (None without one). AccessDenied when it is not the
        session the token was issued to, and the token stays as it was; DownloadGone for a token used
        before or past its time, DownloadUnknown for any other string.
        """
        with self._lock:
            now = self._clock()
            self._forget_old(now)
            entry = self._entries.get(token)
            if entry is None:
                raise DownloadUnknown(
                    "This download link is not known here (mistyped, long expired, or from before the portal "
                    "restarted). Go back to the portal and click the download button again.")
            if entry.holder != holder:
                raise AccessDenied(NOT_YOURS)
            make, used, expired = entry.make, entry.used, now >= entry.expires or entry.make is None
            if not (used or expired):
                entry.make, entry.used = None, True
        if used:
            raise DownloadGone("This download link was already used: each link works once. "
                               "Go back to the portal and click the download button again.")
        if expired:
            raise DownloadGone(f"This download link has expired: links last {LINKS_LAST} and work once. "
                               "Go back to the portal and click the download button again.")
        return make

    def __len__(self) -> int:
        """How many tokens can still be redeemed."""
        with self._lock:
            now = self._clock()
            return sum(1 for e in self._entries.values() if e.make is not None and now < e.expires)

    def _forget_old(self, now: float) -> None:
        # An expired entry drops its maker (and what it holds) at once, its token one TTL later.
        for token, entry in list(self._entries.items()):
            if now >= entry.expires + self._ttl:
                del self._entries[token]
            elif now >= entry.expires:
                entry.make = None


# The serving process's tokens: the pages issue into it, the /download route redeems from it.
TOKENS = DownloadTokens()
