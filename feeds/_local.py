"""Local sources: a plain path or a ``file://`` URL, read with the same size cap as HTTP.

Local feeds are for offline reading and tests; they get the same guarantees as remote ones
(bounded decoded size, gzip undone within the cap, errors as results).
"""

from __future__ import annotations

import os
import stat
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlsplit

from feeds._decode import STEP, BoundedBody, DecodeError, TooLarge, format_size
from feeds._fetch_types import FetchResult, one_line


def is_local(url: str) -> bool:
    """True for ``file:`` URLs and anything without a ``scheme://`` (a path)."""
    if url.lower().startswith("file:"):
        return True
    return "://" not in url


def local_path(url: str) -> Path:
    """The filesystem path a local source names; ``~`` is expanded for hand-written paths.

    Raises:
        ValueError: a ``file://`` URL naming another host.
    """
    if url.lower().startswith("file:"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"file URL names another host ({one_line(parts.netloc, 60)})")
        return Path(unquote(parts.path))
    return Path(os.path.expanduser(url))


def fetch_local(url: str, max_bytes: int) -> FetchResult:
    """Read one local feed (blocking: run it in a thread). Never raises."""
    started = time.perf_counter()

    def error(kind: str, message: str) -> FetchResult:
        return FetchResult(url=url, status="error", error_kind=kind, error_message=message,
                           elapsed=time.perf_counter() - started)

    try:
        path = local_path(url)
    except ValueError as exc:
        return error("bad-url", str(exc))
    try:
        # Only regular files: opening a FIFO would block this thread (and the refresh) forever,
        # and a device such as /dev/zero is never a feed.
        if not stat.S_ISREG(os.stat(path).st_mode):
            if path.is_dir():
                raise IsADirectoryError(str(path))
            return error("io", f"not a regular file: {one_line(path)}")
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            head = fh.read(2)
            gz = head == b"\x1f\x8b" or path.suffix.lower() == ".gz"
            body = BoundedBody("gzip" if gz else None, max_bytes)
            if not gz and st.st_size > max_bytes:
                raise TooLarge(f"file is {format_size(st.st_size)}, over the {format_size(max_bytes)} cap")
            body.feed(head)
            while chunk := fh.read(STEP):
                body.feed(chunk)
            data = body.finish()
    except FileNotFoundError:
        return error("not-found", f"no such file: {one_line(path)}")
    except IsADirectoryError:
        return error("io", f"is a directory, not a feed file: {one_line(path)}")
    except TooLarge as exc:
        return error("too-large", str(exc))
    except DecodeError as exc:
        return error("decode", str(exc))
    except OSError as exc:
        return error("io", one_line(f"cannot read {path}: {exc.strerror or exc}"))
    last_modified = formatdate(st.st_mtime, usegmt=True)
    return FetchResult(url=url, status="ok", body=data, headers={"last-modified": last_modified},
                       final_url=url, last_modified=last_modified, elapsed=time.perf_counter() - started)
