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
"""

from __future__ import annotations

import ssl
import urllib.request
from types import TracebackType

import httpx


class PerHostTransport(httpx.AsyncBaseTransport):
    """Routes each request to the pool of its scheme, host and port, created on first use.

    ``max_connections`` bounds each pool; the caller's per-host semaphore normally keeps a pool
    far below it (a redirect to another host is the exception, so the bound is generous rather
    than ``per_host``, which could make such a hop wait for a slot it will never get).
    With ``trust_env`` a host's pool goes through the proxy the environment names for its
    scheme, unless ``NO_PROXY`` exempts the host.
    """

    def __init__(self, *, verify: ssl.SSLContext, max_connections: int, trust_env: bool = True) -> None:
        self._verify = verify
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
            pool = self._pools[key] = httpx.AsyncHTTPTransport(
                verify=self._verify, limits=self._limits, proxy=self._proxy_for(url.scheme, url.host))
        return await pool.handle_async_request(request)

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
