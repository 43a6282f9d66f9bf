"""One feed over HTTP(S): manual redirects, conditional GET, bounded body, errors as results.

Redirects are followed by hand (httpx's ``follow_redirects`` is off) so that every hop's scheme
is checked — a feed must never be able to point us at ``file:`` — loops are caught, and we know
whether every hop was permanent (then the subscription should move).
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from feeds import _headers
from feeds._decode import SUPPORTED, BoundedBody, DecodeError, TooLarge, format_size
from feeds._fetch_types import FetchRequest, FetchResult, FetchSettings, one_line

if TYPE_CHECKING:
    import ssl

    import httpx

ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
ACCEPT_ENCODING = ", ".join(SUPPORTED)
_REDIRECTS = (301, 302, 303, 307, 308)
_PERMANENT = (301, 308)


class _Fail(Exception):
    """Internal: ends one fetch with an error result (kind, one-line message)."""

    def __init__(self, kind: str, message: str, http_status: int | None = None,
                 headers: dict[str, str] | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message
        self.http_status, self.headers, self.retry_after = http_status, headers or {}, retry_after


@functools.lru_cache(maxsize=1)
def ssl_context() -> "ssl.SSLContext":
    """One verified TLS context per process: building it (loading the CA bundle) costs 30-70 ms,
    which would otherwise be paid again on every refresh. Built by the first https request.

    A CA bundle that cannot be read (a wrong ``SSL_CERT_FILE``) fails each https feed with a
    line that names it, instead of an unexplained ``FileNotFoundError``.
    """
    import ssl

    import httpx

    try:
        return httpx.create_ssl_context()
    except (OSError, ssl.SSLError) as exc:
        where = next((f"{name}={os.environ[name]}" for name in ("SSL_CERT_FILE", "SSL_CERT_DIR")
                      if os.environ.get(name)), "the certifi CA bundle")
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise _Fail("connect", one_line(f"cannot load trusted certificates from {where}: {reason}")) from exc


class HostKeys:
    """Politeness keys by resolved address, so ``127.0.0.1``, ``localhost`` and ``127.1`` are one host.

    Why: ``per_host`` is a promise to a server, and a list that spells one server several
    ways (a name, its address, a short form) would otherwise get ``per_host`` connections per
    spelling. Each host is resolved once per run, with ``loop.getaddrinfo`` (in the loop's
    executor, never blocking the event loop) and within ``timeout``; the key is the lowest IPv4
    address (else IPv6) with the port the connection will use. When resolution fails or times
    out (no DNS behind a proxy, a dead name) the key is the spelling: the fetch then reports
    its own error, and politeness holds per name as before.
    """

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._keys: dict[tuple[str, int], asyncio.Future[str]] = {}

    async def key(self, url: str) -> str:
        """The politeness key of ``url``: ``address:port``, else its spelling."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            return ""
        host = (parts.hostname or "").lower()
        if not host:
            return ""
        job = self._keys.get((host, port))
        if job is None:
            job = self._keys[(host, port)] = asyncio.ensure_future(self._resolve(host, port))
        return await asyncio.shield(job)  # one caller's cancellation must not cancel the others'

    async def _resolve(self, host: str, port: int) -> str:
        import ipaddress
        import socket

        try:
            return _address_key(ipaddress.ip_address(host).compressed, port)  # a literal: no lookup
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), self._timeout)
        except (OSError, UnicodeError, asyncio.TimeoutError):
            return f"{host}:{port}"
        addresses = {info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)}
        v4 = sorted(a for a in addresses if ":" not in a)
        chosen = v4 or sorted(addresses)
        return _address_key(chosen[0], port) if chosen else f"{host}:{port}"


def _address_key(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be fetched over HTTP, or None when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"not a valid URL: {one_line(url, 120)}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"unsupported URL scheme {one_line(parts.scheme, 20)!r}: only http, https and local files"
    if not parts.hostname:
        return f"URL has no host: {one_line(url, 120)}"
    return None


def status_line(code: int) -> str:
    """"HTTP 404 Not Found" from the standard phrase, never the server's (untrusted) reason."""
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _seconds(n: float) -> str:
    return f"{n:g} s"


async def fetch_http(client: "httpx.AsyncClient", req: FetchRequest, settings: FetchSettings) -> FetchResult:
    """Fetch one feed within ``settings.deadline``; every failure comes back as a result."""
    import httpx

    started = time.perf_counter()
    try:
        async with asyncio.timeout(settings.deadline):
            result = await _fetch(client, req, settings)
    except TimeoutError:
        result = _error(req, "deadline", f"timed out after {_seconds(settings.deadline)} (deadline)")
    except _Fail as f:
        result = _error(req, f.kind, f.message, f.http_status, f.headers, f.retry_after)
    except httpx.ConnectTimeout:
        result = _error(req, "timeout", f"could not connect within {_seconds(settings.connect_timeout)} (connect timeout)")
    except httpx.ReadTimeout:
        result = _error(req, "timeout", f"no data for {_seconds(settings.read_timeout)} (read timeout)")
    except httpx.TimeoutException as exc:  # write or pool timeout: rare, named as what it was
        result = _error(req, "timeout", f"timed out ({type(exc).__name__})")
    except httpx.ConnectError as exc:
        result = _error(req, "connect", _connect_message(exc))
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        result = _error(req, "bad-url", one_line(f"bad URL: {exc}"))
    except httpx.TransportError as exc:
        result = _error(req, "io", one_line(f"connection failed: {exc or type(exc).__name__}"))
    except Exception as exc:  # a server can provoke odd errors (bad header bytes...): one feed fails alone
        result = _error(req, "io", one_line(f"{type(exc).__name__}: {exc}"))
    result.elapsed = time.perf_counter() - started
    return result


def _connect_message(exc: Exception) -> str:
    """A readable line for a failed connection; certificate problems say so plainly."""
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        reason = text.partition("certificate verify failed:")[2].partition("(_ssl")[0].strip(" .")
        return one_line(f"TLS certificate rejected: {reason or 'verification failed'}")
    return one_line(f"cannot connect: {text}")


def _error(req: FetchRequest, kind: str, message: str, http_status: int | None = None,
           headers: dict[str, str] | None = None, retry_after: float | None = None) -> FetchResult:
    return FetchResult(url=req.url, status="error", headers=headers or {}, http_status=http_status,
                       retry_after=retry_after, error_kind=kind, error_message=message)


def _request_headers(req: FetchRequest, settings: FetchSettings) -> dict[str, str]:
    headers = {"User-Agent": settings.user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
    if req.etag:
        headers["If-None-Match"] = req.etag
    if req.last_modified:
        headers["If-Modified-Since"] = req.last_modified
    return headers


async def _fetch(client: "httpx.AsyncClient", req: FetchRequest, settings: FetchSettings) -> FetchResult:
    url = req.url
    problem = check_url(url)
    if problem:
        raise _Fail("bad-url", problem)
    headers = _request_headers(req, settings)
    seen = {url}
    hops: list[int] = []
    while True:
        async with client.stream("GET", url, headers=headers) as resp:
            code = resp.status_code
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            if code in _REDIRECTS:
                url = _next_hop(url, code, resp_headers, seen, hops, settings)
                continue
            permanent = bool(hops) and all(c in _PERMANENT for c in hops)
            moved_to = url if permanent else None
            if code == 304:
                return FetchResult(
                    url=req.url, status="not-modified", headers=resp_headers, http_status=code, final_url=url,
                    moved_to=moved_to, etag=resp_headers.get("etag") or req.etag,
                    last_modified=resp_headers.get("last-modified") or req.last_modified,
                    max_age=_headers.max_age(resp_headers),
                )
            if not 200 <= code < 300:
                retry = _headers.retry_after(resp_headers.get("retry-after")) if code in (429, 503) else None
                message = status_line(code)
                if retry is not None:
                    message += f" (retry after {retry:.0f} s)"
                raise _Fail("http", message, code, resp_headers, retry)
            body = await _read_body(resp, resp_headers, settings)
            return FetchResult(
                url=req.url, status="ok", body=body, headers=resp_headers, http_status=code, final_url=url,
                moved_to=moved_to, etag=resp_headers.get("etag"), last_modified=resp_headers.get("last-modified"),
                max_age=_headers.max_age(resp_headers),
            )


def _next_hop(url: str, code: int, headers: dict[str, str], seen: set[str], hops: list[int],
              settings: FetchSettings) -> str:
    """Validate one redirect and return where it points."""
    location = headers.get("location", "").strip()
    if not location:
        raise _Fail("http", f"{status_line(code)} without a Location header", code, headers)
    target = urljoin(url, location)
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise _Fail("bad-redirect-scheme",
                    f"redirected to {one_line(target, 120)} — only http/https allowed", code, headers)
    problem = check_url(target)
    if problem:
        raise _Fail("bad-url", f"redirect to a bad URL ({problem})", code, headers)
    target = target.split("#", 1)[0]
    if target in seen:
        raise _Fail("redirect-loop", f"redirect loop: {one_line(target, 120)} was already visited", code, headers)
    hops.append(code)
    if len(hops) > settings.max_redirects:
        raise _Fail("too-many-redirects", f"more than {settings.max_redirects} redirects", code, headers)
    seen.add(target)
    return target


async def _read_body(resp: "httpx.Response", headers: dict[str, str], settings: FetchSettings) -> bytes:
    """Read the raw stream and decode it ourselves, stopping as soon as the cap is passed."""
    encoding = headers.get("content-encoding")
    length = headers.get("content-length", "").strip()
    if not encoding and length.isdigit() and int(length) > settings.max_bytes:
        raise _Fail("too-large", f"body is {format_size(int(length))}, over the {format_size(settings.max_bytes)} cap",
                    resp.status_code, headers)
    try:
        body = BoundedBody(encoding, settings.max_bytes)
        async for chunk in resp.aiter_raw():
            body.feed(chunk)
        return body.finish()
    except TooLarge as exc:
        raise _Fail("too-large", str(exc), resp.status_code, headers) from None
    except DecodeError as exc:
        raise _Fail("decode", str(exc), resp.status_code, headers) from None
