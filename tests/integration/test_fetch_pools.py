"""The per-host connection pools behind the shared client: routing, reuse, env proxies, TLS on first use."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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


# ------------------------------------------------------------------------ TLS on first use

needs_openssl = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl tool to make a certificate")


def _self_signed(tmp_path: Path) -> tuple[str, str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture
def fresh_tls_context() -> Iterator[None]:
    """The verified context is cached per process: start and end each test without one."""
    ssl_context.cache_clear()
    yield
    ssl_context.cache_clear()


def test_a_plain_http_refresh_never_loads_the_ca_bundle(faultserver: FaultServer, fresh_tls_context: None) -> None:
    results = asyncio.run(fetch_all([FetchRequest(faultserver.feed_url(i)) for i in range(3)], FetchSettings()))
    assert [r.status for r in results] == ["ok"] * 3
    assert ssl_context.cache_info().currsize == 0


@needs_openssl
def test_https_pools_share_one_verified_context_built_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_tls_context: None
) -> None:
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # trust this one certificate (httpx's documented variable)
    with FaultServer(tls=(cert, key)) as tls_srv:
        urls = [tls_srv.feed_url(i, host=host) for host in ("127.0.0.1", "localhost") for i in range(3)]
        results = asyncio.run(fetch_all([FetchRequest(u) for u in urls], FetchSettings(deadline=10)))
    assert [r.status for r in results] == ["ok"] * 6, [r.error_message for r in results]
    # Two https pools made at the same moment, one CA load between them.
    assert ssl_context.cache_info().misses == 1


@needs_openssl
def test_a_redirect_from_http_to_https_is_verified(tmp_path: Path, fresh_tls_context: None) -> None:
    cert, key = _self_signed(tmp_path)  # not trusted: SSL_CERT_FILE is not set here
    with FaultServer(tls=(cert, key)) as tls_srv:
        target = tls_srv.feed_url(0)

        class Hop(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(301)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        hop = ThreadingHTTPServer(("127.0.0.1", 0), Hop)
        threading.Thread(target=hop.serve_forever, daemon=True).start()
        try:
            [res] = asyncio.run(fetch_all([FetchRequest(f"http://127.0.0.1:{hop.server_address[1]}/feed.xml")],
                                          FetchSettings(deadline=10)))
        finally:
            hop.shutdown()
            hop.server_close()
    assert (res.status, res.error_kind) == ("error", "connect")
    assert res.error_message == "TLS certificate rejected: self-signed certificate"


def test_the_context_of_plain_http_pools_trusts_nothing() -> None:
    """It is never used for a handshake; if it ever were, verification must fail, not pass."""
    context = PerHostTransport(verify=ssl_context, max_connections=1)._plain_context()  # noqa: SLF001
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs() == [] and context.cert_store_stats()["x509_ca"] == 0


def test_an_unreadable_ca_bundle_fails_https_feeds_with_a_clear_line(
    faultserver: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_tls_context: None
) -> None:
    missing = tmp_path / "no-such-bundle.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(missing))
    plain, tls = asyncio.run(fetch_all([FetchRequest(faultserver.feed_url(0)),
                                        FetchRequest("https://127.0.0.1:9/feed.xml")], FetchSettings(deadline=5)))
    assert plain.status == "ok"  # plain http never needed the bundle
    assert (tls.status, tls.error_kind) == ("error", "connect")
    assert tls.error_message == f"cannot load trusted certificates from SSL_CERT_FILE={missing}: No such file or directory"
