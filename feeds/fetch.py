"""Concurrent, bounded, polite fetching of feeds: bytes and metadata in, nothing parsed.

``fetch_all`` runs every request on one shared ``httpx.AsyncClient`` under two limits — a global
one (``concurrency``) and one per host (``per_host``) — and gives each feed its own overall
deadline once it holds its slots, so a slow or hostile server costs at most that deadline and
never delays or breaks another feed. Local paths and ``file://`` URLs go through the same call.

The pieces live in private modules: ``_http`` (one HTTP fetch), ``_local`` (one file),
``_decode`` (bounded decompression), ``_headers`` (Retry-After / Cache-Control).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from feeds._fetch_types import FetchRequest, FetchResult, FetchSettings

__all__ = ["FetchRequest", "FetchResult", "FetchSettings", "fetch_all"]


async def fetch_all(
    requests: Sequence[FetchRequest],
    settings: FetchSettings | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Fetch every request; return one result per request, in the same order.

    Args:
        requests: feeds to fetch (http/https URLs, local paths or ``file://`` URLs).
        settings: limits and timeouts; see ``FetchSettings`` (its defaults when None).
        on_result: called on the event loop as each feed finishes (progress display, or
            starting to parse while others still download). If it raises, fetching goes on and
            the first such exception is re-raised once all feeds are done — it is the caller's
            bug, not a feed's failure, so it is neither swallowed nor allowed to cancel the rest.

    Returns:
        Results in request order. Fetch failures are results with ``status == "error"``;
        no fetch failure ever raises out of here.
    """
    if not requests:
        return []
    import httpx

    from feeds import _http, _local
    from feeds._transport import PerHostTransport

    overall = asyncio.Semaphore(max(1, settings.concurrency))
    per_host: dict[str, asyncio.Semaphore] = {}
    callback_errors: list[BaseException] = []
    # Keyed by resolved address, not spelling: localhost and 127.0.0.1 are one server.
    host_keys = _http.HostKeys(timeout=settings.connect_timeout)

    async def host_slot(url: str) -> asyncio.Semaphore:
        key = await host_keys.key(url)
        if key not in per_host:
            per_host[key] = asyncio.Semaphore(max(1, settings.per_host))
        return per_host[key]

    async def one(client: httpx.AsyncClient, req: FetchRequest) -> FetchResult:
        if _local.is_local(req.url):
            async with overall:
                result = await asyncio.to_thread(_local.fetch_local, req.url, settings.max_bytes)
        else:
            # The slot of the requested host is held through any redirects: simple, and no
            # chance of two feeds each holding one host while waiting for the other's.
            async with overall:
                async with await host_slot(req.url):
                    result = await _http.fetch_http(client, req, settings)
        if on_result is not None:
            try:
                on_result(result)
            except Exception as exc:  # noqa: BLE001 - re-raised after the other feeds finish
                callback_errors.append(exc)
        return result

    timeout = httpx.Timeout(connect=settings.connect_timeout, read=settings.read_timeout,
                            write=settings.read_timeout, pool=settings.deadline)
    # One pool per host (see _transport): one shared pool of ~100 connections cost more CPU in
    # httpcore's bookkeeping than the downloads themselves.
    # TLS is set up by the first https request (see _transport), not here.
    transport = PerHostTransport(verify=_http.ssl_context, max_connections=max(1, settings.concurrency))
    # Users behind a proxy set HTTPS_PROXY/NO_PROXY and expect it honoured: the transport
    # applies them per host (httpx does not when it is handed a transport, so the client's own
    # trust_env and verify go unused).
    async with httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False) as client:
        results = await asyncio.gather(*(one(client, req) for req in requests))
    if callback_errors:
        raise callback_errors[0]
    return list(results)
