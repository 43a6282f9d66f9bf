"""One small connection pool per host behind the one shared client.

Why: httpcore's connection pool re-examines every connection it holds for every request it
assigns (``_assign_requests_to_connections``; encode/httpcore#1035 describes the quadratic
cost and is still open in httpcore 1.0.9). A refresh of 100 feeds held ~100 connections in one
pool, and that bookkeeping cost ~0.5 s of CPU, five times the download itself. Feeds are
fetched at most ``per_host`` at a time per host anyway, so one pool per host keeps each pool to
a handful of connections and the bookkeeping linear, without changing what goes over the wire.

A client given its own transport no longer reads proxies from the environment (httpx only
mounts env proxies when it builds the transport itself), so each pool applies them here:
``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` and ``NO_PROXY``, read by the standard
library's documented ``urllib.request`` helpers.

TLS is paid for on first use: loading the CA bundle costs 30-70 ms of CPU per process, and a
refresh whose due feeds are all plain ``http://`` (the offline sample, an intranet mirror, the
loopback benchmark) never needs it. The first ``https://`` pool builds the verified context in a
thread, off the event loop; plain-HTTP pools get a context that verifies but trusts nothing, so
even a future code path that wrongly used it for TLS would fail closed, never open.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections.abc import Callable
from types import TracebackType

import httpx


class PerHostTransport(httpx.AsyncBaseTransport):
    """Routes each request to the pool of its scheme, host and port, created on first use.

    ``max_connections`` bounds each pool; the caller's per-host semaphore normally keeps a pool
    far below it (a redirect to another host is the exception, so the bound is generous rather
    than ``per_host``, which could make such a hop wait for a slot it will never get).
    With ``trust_env`` a host's pool goes through the proxy the environment names for its
    scheme, unless ``NO_PROXY`` exempts the host. ``verify`` is the verified TLS context, or a
    function that builds it: called once, in a thread, when the first https pool is made.
    """

    def __init__(self, *, verify: ssl.SSLContext | Callable[[], ssl.SSLContext], max_connections: int,
                 trust_env: bool = True) -> None:
        self._verify = verify
        self._verified: asyncio.Task[ssl.SSLContext] | None = None
        self._plain: ssl.SSLContext | None = None
        self._proxies = urllib.request.getproxies_environment() if trust_env else {}
        self._limits = httpx.Limits(max_connections=max(1, max_connections),
                                    max_keepalive_connections=max(1, max_connections))
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}
        self._closed = False

    def pool_count(self) -> int:
        """How many per-host pools exist (for tests)."""
        return len(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("transport is closed")
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            context = await self._tls_context() if url.scheme == "https" else self._plain_context()
            pool = self._pools.get(key)  # another request may have made it while we waited
            if pool is None:
                pool = self._pools[key] = httpx.AsyncHTTPTransport(
                    verify=context, limits=self._limits, proxy=self._proxy_for(url.scheme, url.host))
        return await pool.handle_async_request(request)

    async def _tls_context(self) -> ssl.SSLContext:
        """The verified context; built once, in a thread, by whichever request needs it first."""
        if isinstance(self._verify, ssl.SSLContext):
            return self._verify
        if self._verified is None:
            self._verified = asyncio.ensure_future(asyncio.to_thread(self._verify))
        return await asyncio.shield(self._verified)

    def _plain_context(self) -> ssl.SSLContext:
        """For http:// pools, which never handshake: verifies everything, trusts no CA."""
        if self._plain is None:
            self._plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, hostname checked
        return self._plain

    def _proxy_for(self, scheme: str, host: str) -> str | None:
        """The environment's proxy URL for this scheme and host, or None (direct)."""
        proxies = self._proxies
        if not proxies:
            return None
        proxy = proxies.get(scheme) or proxies.get("all")
        if not proxy or urllib.request.proxy_bypass_environment(host, proxies):
            return None
        return proxy

    async def aclose(self) -> None:
        self._closed = True
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()
