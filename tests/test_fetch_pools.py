"""The per-host connection pools behind the shared client: routing, reuse, and env proxies."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from faultserver import FaultServer
from feeds._http import ssl_context
from feeds._transport import PerHostTransport
from feeds.fetch import FetchRequest, FetchSettings, fetch_all


def test_each_host_gets_its_own_pool_and_connections_are_reused(faultserver: FaultServer) -> None:
    urls = [faultserver.feed_url(i, host=host) for host in ("127.0.0.1", "localhost") for i in range(6)]

    async def run() -> tuple[list[int], int, int]:
        transport = PerHostTransport(verify=ssl_context(), max_connections=8)
        async with httpx.AsyncClient(transport=transport) as client:
            first = await asyncio.gather(*(client.get(u) for u in urls))
            pools = transport.pool_count()
            connections = len(faultserver._sockets)  # noqa: SLF001 - open server-side sockets
            second = [await client.get(u) for u in urls]  # sequential: every one can reuse
            assert len(faultserver._sockets) <= connections  # noqa: SLF001 - no new connections
        return [r.status_code for r in first + second], pools, connections

    codes, pools, connections = asyncio.run(run())
    assert codes == [200] * 24
    assert pools == 2  # 127.0.0.1:port and localhost:port
    assert 2 <= connections <= 12


def test_a_closed_transport_refuses_requests() -> None:
    async def run() -> None:
        transport = PerHostTransport(verify=ssl_context(), max_connections=2)
        await transport.aclose()
        with pytest.raises(RuntimeError):
            await transport.handle_async_request(httpx.Request("GET", "http://127.0.0.1:9/"))

    asyncio.run(run())


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy that answers every request itself and records the request line."""

    seen: list[str] = []
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>via proxy</title>'
            b"<item><title>one</title><guid>p1</guid></item></channel></rss>")

    def do_GET(self) -> None:  # noqa: N802
        _Proxy.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_proxies_from_the_environment_still_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx mounts env proxies in front of a custom transport; a feed reader behind a proxy
    must keep working. feeds.invalid cannot resolve: only the proxy can answer this."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Proxy.seen.clear()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        [result] = asyncio.run(fetch_all([FetchRequest("http://feeds.invalid/feed.xml")],
                                         FetchSettings(connect_timeout=2, read_timeout=2, deadline=5)))
    finally:
        server.shutdown()
        server.server_close()
    assert result.status == "ok", result.error_message
    assert b"via proxy" in (result.body or b"")
    assert _Proxy.seen == ["http://feeds.invalid/feed.xml"]


def test_no_proxy_exempts_a_host(monkeypatch: pytest.MonkeyPatch, faultserver: FaultServer) -> None:
    """NO_PROXY names the loopback host: the feed is fetched directly, the dead proxy unused."""
    for name in ("ALL_PROXY", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    [direct] = asyncio.run(fetch_all([FetchRequest(faultserver.feed_url(1))], FetchSettings(deadline=5)))
    assert direct.status == "ok", direct.error_message
    [proxied] = asyncio.run(fetch_all([FetchRequest(faultserver.feed_url(1, host="localhost"))],
                                      FetchSettings(deadline=5)))
    assert proxied.status == "error" and proxied.error_kind == "connect"
