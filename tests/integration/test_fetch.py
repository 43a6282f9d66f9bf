"""feeds.fetch against a real loopback server: every fault is a result, never a hang or a crash."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import socket
import subprocess
import time
import tracemalloc
import zlib
from dataclasses import replace
from email.utils import formatdate
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from faultserver import FAULTS, FaultServer, make_rss
from feeds import _headers
from feeds._decode import BoundedBody, DecodeError, TooLarge
from feeds.fetch import FetchRequest, FetchResult, FetchSettings, fetch_all

#: Small limits so every timeout path runs in about a second.
FAST = FetchSettings(max_bytes=2 << 20, connect_timeout=1.0, read_timeout=1.0, deadline=2.0)

#: What each fault endpoint must come back as: (status, error_kind, http_status).
EXPECTED: dict[str, tuple[str, str | None, int | None]] = {
    "slow": ("error", "timeout", None),
    "trickle": ("error", "deadline", None),
    "status/500": ("error", "http", 500),
    "status/404": ("error", "http", 404),
    "429": ("error", "http", 429),
    "429-date": ("error", "http", 429),
    "503": ("error", "http", 503),
    "redirect/301/3": ("ok", None, 200),
    "redirect/302/3": ("ok", None, 200),
    "redirect-mixed": ("ok", None, 200),
    "loop": ("error", "redirect-loop", 302),
    "loop-a": ("error", "redirect-loop", 302),
    "to-file": ("error", "bad-redirect-scheme", 302),
    "too-many": ("error", "too-many-redirects", 302),
    "no-location": ("error", "http", 302),
    "html": ("ok", None, 200),
    "truncated": ("ok", None, 200),
    "gzip": ("ok", None, 200),
    "deflate": ("ok", None, 200),
    "deflate-raw": ("ok", None, 200),
    "br": ("ok", None, 200),
    "gzip-bomb": ("error", "too-large", 200),
    "br-bomb": ("error", "too-large", 200),
    "corrupt-gzip": ("error", "decode", 200),
    "huge": ("error", "too-large", 200),
    "huge-chunked": ("error", "too-large", 200),
    "stall": ("error", "timeout", None),
    "max-age": ("ok", None, 200),
    "expires": ("ok", None, 200),
}


def fetch(*urls: str | FetchRequest, settings: FetchSettings = FAST) -> list[FetchResult]:
    reqs = [u if isinstance(u, FetchRequest) else FetchRequest(u) for u in urls]
    return asyncio.run(fetch_all(reqs, settings))


def fetch_one(url: str | FetchRequest, settings: FetchSettings = FAST) -> FetchResult:
    return fetch(url, settings=settings)[0]


@pytest.fixture
def srv(faultserver: FaultServer) -> FaultServer:
    faultserver.trickle_interval = 0.25  # under the 1 s read timeout: only the deadline can stop it
    return faultserver


# ------------------------------------------------------------------------ good feeds


def test_good_feed_is_ok_with_body_validators_and_user_agent(srv: FaultServer) -> None:
    res = fetch_one(srv.feed_url(1))
    assert res.status == "ok" and res.error_kind is None and res.error_message is None
    assert res.body == make_rss(1, srv.items, srv.base_url)
    assert res.http_status == 200 and res.final_url == srv.feed_url(1) and res.moved_to is None
    assert res.etag and res.etag.startswith('"') and res.last_modified
    assert res.headers["etag"] == res.etag and all(k == k.lower() for k in res.headers)
    assert res.max_age is None and res.retry_after is None and res.elapsed > 0
    [req] = srv.requests_for("/feed/1.xml")
    from core.version import __version__  # the installed package's version, as metadata reports it

    assert req.headers["user-agent"].startswith(f"chipwire/{__version__} (")
    assert req.headers["accept-encoding"] == "gzip, deflate, br"
    assert "if-none-match" not in req.headers


def test_conditional_get_round_trip(srv: FaultServer) -> None:
    first = fetch_one(srv.feed_url(2))
    again = fetch_one(FetchRequest(srv.feed_url(2), etag=first.etag, last_modified=first.last_modified))
    assert again.status == "not-modified" and again.http_status == 304 and again.body is None
    assert again.etag == first.etag and again.last_modified == first.last_modified
    sent = srv.requests_for("/feed/2.xml")[-1].headers
    assert sent["if-none-match"] == first.etag and sent["if-modified-since"] == first.last_modified
    # Last-Modified alone is enough; a stale ETag is not.
    assert fetch_one(FetchRequest(srv.feed_url(2), last_modified=first.last_modified)).status == "not-modified"
    stale = fetch_one(FetchRequest(srv.feed_url(2), etag='"old"', last_modified=first.last_modified))
    assert stale.status == "ok" and stale.body == make_rss(2, srv.items, srv.base_url)


def test_changed_registered_feed_comes_back_fresh(srv: FaultServer) -> None:
    url = srv.register_feed("/mine.xml", b"<rss>one</rss>")
    first = fetch_one(url)
    srv.register_feed("/mine.xml", b"<rss>two</rss>")
    second = fetch_one(FetchRequest(url, etag=first.etag, last_modified=first.last_modified))
    assert second.status == "ok" and second.body == b"<rss>two</rss>" and second.etag != first.etag


@pytest.mark.parametrize("fault", ["gzip", "deflate", "deflate-raw", "br"])
def test_encoded_bodies_are_decoded(srv: FaultServer, fault: str) -> None:
    res = fetch_one(srv.fault_url(fault))
    assert res.status == "ok", res.error_message
    assert res.body == make_rss(0, srv.items, srv.base_url)
    assert res.headers["content-encoding"] == fault.removesuffix("-raw")


def test_fetch_returns_bytes_without_judging_them(srv: FaultServer) -> None:
    html, truncated = fetch(srv.fault_url("html"), srv.fault_url("truncated"))
    assert html.status == "ok" and html.body.startswith(b"<!doctype html>")
    assert html.headers["content-type"].startswith("text/html")
    full = make_rss(0, srv.items, srv.base_url)
    assert truncated.status == "ok" and truncated.body == full[: len(full) // 2]


def test_cache_lifetime_from_max_age_and_expires(srv: FaultServer) -> None:
    max_age, expires = fetch(srv.fault_url("max-age"), srv.fault_url("expires"))
    assert max_age.max_age == 900.0
    assert expires.max_age == pytest.approx(3600.0, abs=1.0)
    url = srv.register_feed("/cc.xml", b"<rss/>", cache_control="max-age=60")
    first = fetch_one(url)
    assert first.max_age == 60.0
    assert fetch_one(FetchRequest(url, etag=first.etag)).max_age == 60.0  # 304 keeps the lifetime


# ------------------------------------------------------------------------ HTTP errors


@pytest.mark.parametrize("fault,code,message", [
    ("status/500", 500, "HTTP 500 Internal Server Error"),
    ("status/404", 404, "HTTP 404 Not Found"),
    ("status/410", 410, "HTTP 410 Gone"),
])
def test_http_errors(srv: FaultServer, fault: str, code: int, message: str) -> None:
    res = fetch_one(srv.fault_url(fault))
    assert (res.status, res.error_kind, res.http_status) == ("error", "http", code)
    assert res.error_message == message and res.body is None and res.retry_after is None


@pytest.mark.parametrize("fault,code,seconds", [("429", 429, 120.0), ("429-date", 429, 120.0), ("503", 503, 30.0)])
def test_retry_after(srv: FaultServer, fault: str, code: int, seconds: float) -> None:
    res = fetch_one(srv.fault_url(fault))
    assert (res.status, res.error_kind, res.http_status) == ("error", "http", code)
    assert res.retry_after == pytest.approx(seconds, abs=2.5)
    assert "retry after" in res.error_message


# ------------------------------------------------------------------------ redirects


def test_permanent_redirect_chain_moves_the_feed(srv: FaultServer) -> None:
    res = fetch_one(srv.fault_url("redirect/301/3"))
    assert res.status == "ok" and res.body == make_rss(0, srv.items, srv.base_url)
    assert res.url == srv.fault_url("redirect/301/3")
    assert res.final_url == res.moved_to == srv.feed_url(0)
    assert fetch_one(srv.fault_url("redirect/308/2")).moved_to == srv.feed_url(0)


@pytest.mark.parametrize("fault", ["redirect/302/3", "redirect/307/1", "redirect-mixed"])
def test_temporary_hops_do_not_move_the_feed(srv: FaultServer, fault: str) -> None:
    res = fetch_one(srv.fault_url(fault))
    assert res.status == "ok" and res.final_url == srv.feed_url(0) and res.moved_to is None


def test_redirect_failures(srv: FaultServer) -> None:
    loop, loop2, to_file, many, no_loc = fetch(*(srv.fault_url(f) for f in
                                                 ("loop", "loop-a", "to-file", "too-many", "no-location")))
    assert loop.error_kind == loop2.error_kind == "redirect-loop"
    assert to_file.error_kind == "bad-redirect-scheme"
    assert to_file.error_message == "redirected to file:///etc/passwd — only http/https allowed"
    assert many.error_kind == "too-many-redirects" and many.error_message == "more than 5 redirects"
    assert no_loc.error_kind == "http" and "Location" in no_loc.error_message
    assert all(r.status == "error" and r.moved_to is None and r.body is None
               for r in (loop, loop2, to_file, many, no_loc))


def test_max_redirects_is_honoured_exactly(srv: FaultServer) -> None:
    three = replace(FAST, max_redirects=3)
    assert fetch_one(srv.fault_url("redirect/301/3"), three).status == "ok"
    assert fetch_one(srv.fault_url("redirect/301/4"), three).error_kind == "too-many-redirects"


# ------------------------------------------------------------------------ size caps and bombs


@pytest.mark.parametrize("fault", ["gzip-bomb", "br-bomb"])
def test_compression_bombs_stop_fast_with_bounded_memory(srv: FaultServer, fault: str) -> None:
    srv.warm_bombs()
    fetch_one(srv.feed_url(0))  # imports httpx outside the timed, traced part
    limits = replace(FAST, max_bytes=1 << 20)
    tracemalloc.start()
    try:
        started = time.perf_counter()
        res = fetch_one(srv.fault_url(fault), limits)
        took = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (res.status, res.error_kind) == ("error", "too-large")
    assert res.error_message == "body larger than 1 MiB once decoded"
    assert took < 2.0
    assert peak < 12 << 20, f"peak {peak / 2**20:.1f} MiB while decoding a 1 GiB bomb"


def test_huge_body_with_content_length_is_refused_before_reading(srv: FaultServer) -> None:
    started = time.perf_counter()
    res = fetch_one(srv.fault_url("huge"))
    assert (res.status, res.error_kind, res.http_status) == ("error", "too-large", 200)
    assert res.error_message.startswith("body is 60") and "over the 2 MiB cap" in res.error_message
    assert time.perf_counter() - started < 2.0


def test_huge_chunked_body_stops_at_the_cap(srv: FaultServer) -> None:
    started = time.perf_counter()
    res = fetch_one(srv.fault_url("huge-chunked"))
    assert (res.status, res.error_kind) == ("error", "too-large")
    assert time.perf_counter() - started < 2.0


def test_body_exactly_at_the_cap_is_fine(srv: FaultServer) -> None:
    cap = replace(FAST, max_bytes=1000)
    url = srv.register_feed("/exact.xml", b"x" * 1000)
    assert fetch_one(url, cap).body == b"x" * 1000
    srv.register_feed("/over.xml", gzip.compress(b"x" * 1001), headers={"Content-Encoding": "gzip"})
    assert fetch_one(srv.url("/over.xml"), cap).error_kind == "too-large"


def test_corrupt_encoding_is_a_decode_error(srv: FaultServer) -> None:
    res = fetch_one(srv.fault_url("corrupt-gzip"))
    assert (res.status, res.error_kind) == ("error", "decode") and "gzip" in res.error_message
    srv.register_feed("/cut.xml", gzip.compress(b"<rss>" * 1000)[:-30], headers={"Content-Encoding": "gzip"})
    assert fetch_one(srv.url("/cut.xml")).error_kind == "decode"
    srv.register_feed("/zstd.xml", b"data", headers={"Content-Encoding": "zstd"})
    assert fetch_one(srv.url("/zstd.xml")).error_kind == "decode"


# ------------------------------------------------------------------------ timeouts


def test_stall_slow_and_trickle_each_end_in_time(srv: FaultServer) -> None:
    """Run together (they are independent) so the file stays fast."""
    stall, slow, trickle = fetch(srv.fault_url("stall"), srv.fault_url("slow"), srv.fault_url("trickle"))
    assert (stall.status, stall.error_kind) == ("error", "timeout")
    assert stall.error_message == "no data for 1 s (read timeout)"
    assert 0.9 < stall.elapsed < 1.8
    assert (slow.status, slow.error_kind) == ("error", "timeout") and 0.9 < slow.elapsed < 1.8
    assert (trickle.status, trickle.error_kind) == ("error", "deadline")
    assert trickle.error_message == "timed out after 2 s (deadline)"
    assert 1.9 < trickle.elapsed < 2.6
    assert len(srv.requests_for("/fault/trickle")) == 1


def test_deadline_covers_waiting_for_headers_too(srv: FaultServer) -> None:
    patient = replace(FAST, read_timeout=30.0, deadline=0.7)
    res = fetch_one(srv.fault_url("slow"), patient)
    assert res.error_kind == "deadline" and res.elapsed < 1.3


# ------------------------------------------------------------------------ bad URLs and connections


def test_bad_urls_and_refused_connections() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    results = fetch("ftp://example.org/feed", "http://", "http://127.0.0.1:99999/x", f"http://127.0.0.1:{closed}/x")
    assert [r.error_kind for r in results] == ["bad-url", "bad-url", "bad-url", "connect"]
    assert all(r.status == "error" and "\n" not in r.error_message for r in results)


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl tool to make a certificate")
def test_untrusted_tls_certificate_is_a_connect_error(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    with FaultServer(tls=(str(cert), str(key))) as tls_srv:
        assert tls_srv.feed_url(0).startswith("https://127.0.0.1:")
        res = fetch_one(tls_srv.feed_url(0))
    assert (res.status, res.error_kind) == ("error", "connect")
    assert res.error_message == "TLS certificate rejected: self-signed certificate"


# ------------------------------------------------------------------------ local files


def test_local_files(tmp_path: Path) -> None:
    xml = b"<rss><channel><title>local</title></channel></rss>"
    plain = tmp_path / "plain.xml"
    plain.write_bytes(xml)
    os.utime(plain, (1_700_000_000, 1_700_000_000))
    (tmp_path / "feed.xml.gz").write_bytes(gzip.compress(xml))
    (tmp_path / "sneaky.xml").write_bytes(gzip.compress(xml))  # gzip magic without the suffix
    (tmp_path / "big.xml").write_bytes(b"x" * 3000)
    (tmp_path / "bomb.xml.gz").write_bytes(gzip.compress(bytes(10 << 20)))
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    os.mkfifo(tmp_path / "pipe.xml")  # nobody writes: opening it would block forever
    cap = replace(FAST, max_bytes=2000)
    results = fetch(str(plain), plain.as_uri(), str(tmp_path / "feed.xml.gz"), str(tmp_path / "sneaky.xml"),
                    str(tmp_path / "missing.xml"), str(tmp_path / "big.xml"), str(tmp_path / "bomb.xml.gz"),
                    "file://elsewhere/etc/hosts", str(tmp_path), str(tmp_path / "bad.gz"),
                    str(tmp_path / "pipe.xml"), "/dev/zero", settings=cap)
    ok = results[:4]
    assert all(r.status == "ok" and r.body == xml for r in ok)
    assert ok[0].last_modified == formatdate(1_700_000_000, usegmt=True) == ok[1].last_modified
    assert ok[0].url == str(plain) and ok[1].url == plain.as_uri()
    assert [r.error_kind for r in results[4:]] == ["not-found", "too-large", "too-large", "bad-url", "io", "decode",
                                                   "io", "io"]
    assert all(r.body is None and r.error_message and "\n" not in r.error_message for r in results[4:])


# ------------------------------------------------------------------------ politeness


def test_per_host_and_overall_concurrency_are_respected(srv: FaultServer) -> None:
    srv.latency = 0.1
    polite = replace(FAST, concurrency=16, per_host=2)
    with FaultServer(latency=0.1) as other:  # another port: another server
        reqs = [srv.feed_url(i) for i in range(8)] + [other.feed_url(i) for i in range(8)]
        results = fetch(*reqs, settings=polite)
        assert all(r.status == "ok" for r in results), [r.error_message for r in results]
        assert srv.peak_in_flight() == 2 and other.peak_in_flight() == 2  # two hosts side by side
    srv.clear_log()
    narrow = replace(polite, concurrency=3, per_host=3)
    fetch(*(srv.feed_url(i) for i in range(8)), settings=narrow)
    assert srv.peak_in_flight() == 3


def test_per_host_counts_one_server_however_it_is_spelled(srv: FaultServer) -> None:
    """127.0.0.1, localhost and 127.1 resolve to one address: one per_host budget, not three."""
    srv.latency = 0.15
    polite = replace(FAST, concurrency=16, per_host=2)
    reqs = [srv.feed_url(i, host=host) for host in ("127.0.0.1", "localhost", "127.1", "LOCALHOST") for i in range(4)]
    results = fetch(*reqs, settings=polite)
    assert all(r.status == "ok" for r in results), [r.error_message for r in results]
    assert srv.peak_in_flight() == 2
    assert {r.host.split(":")[0].lower() for r in srv.requests} == {"127.0.0.1", "localhost", "127.1"}


def test_host_keys_resolve_once_and_fall_back_to_the_spelling() -> None:
    from feeds._http import HostKeys

    async def keys() -> list[str]:
        hk = HostKeys(timeout=3.0)
        return [await hk.key(u) for u in ("http://127.1:8080/a", "http://LOCALHOST:8080/b", "http://[::1]/c",
                                           "https://127.0.0.1/d", "http://no-such-host.invalid:81/e",
                                           "http://no-such-host.invalid:81/f", "not a url", "http://:80/")]

    got = asyncio.run(keys())
    assert got[:4] == ["127.0.0.1:8080", "127.0.0.1:8080", "[::1]:80", "127.0.0.1:443"]
    assert got[4] == got[5] == "no-such-host.invalid:81"
    assert got[6:] == ["", ""]


# ------------------------------------------------------------------------ everything at once


def test_every_fault_and_good_feeds_in_one_call(srv: FaultServer) -> None:
    assert set(EXPECTED) == set(FAULTS), "every fault endpoint needs an expectation here"
    srv.warm_bombs()
    good = [srv.feed_url(i) for i in range(6)]
    faults = list(FAULTS)
    reqs = [FetchRequest(u) for u in good] + [FetchRequest(srv.fault_url(f)) for f in faults]
    reqs.insert(3, FetchRequest("/definitely/not/here.xml"))
    seen: list[str] = []
    wide = replace(FAST, concurrency=64, per_host=64)
    started = time.perf_counter()
    results = asyncio.run(fetch_all(reqs, wide, on_result=lambda r: seen.append(r.url)))
    took = time.perf_counter() - started
    assert took < wide.deadline + 1.5
    assert [r.url for r in results] == [r.url for r in reqs]
    assert sorted(seen) == sorted(r.url for r in reqs)
    by_url = {r.url: r for r in results}
    for i, url in enumerate(good):
        assert by_url[url].status == "ok" and by_url[url].body == make_rss(i, srv.items, srv.base_url)
    assert by_url["/definitely/not/here.xml"].error_kind == "not-found"
    for fault in faults:
        res = by_url[srv.fault_url(fault)]
        assert (res.status, res.error_kind, res.http_status) == EXPECTED[fault], (fault, res.error_message)
        if res.status == "error":
            assert res.body is None and res.error_message and "\n" not in res.error_message
        else:
            assert res.body


def test_a_failing_callback_is_reraised_after_all_feeds_finish(srv: FaultServer) -> None:
    calls: list[str] = []

    def boom(res: FetchResult) -> None:
        calls.append(res.url)
        raise RuntimeError("progress bar bug")

    urls = [srv.feed_url(i) for i in range(3)]
    with pytest.raises(RuntimeError, match="progress bar bug"):
        asyncio.run(fetch_all([FetchRequest(u) for u in urls], FAST, on_result=boom))
    assert sorted(calls) == sorted(urls)


def test_server_stops_promptly_while_trickling() -> None:
    other = FaultServer(trickle_interval=1.0).start()
    sock = socket.create_connection(("127.0.0.1", other.port))
    try:
        sock.sendall(b"GET /fault/trickle HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
        started = time.perf_counter()
        other.stop()
        assert time.perf_counter() - started < 1.0
    finally:
        sock.close()


def test_no_requests_no_work() -> None:
    assert asyncio.run(fetch_all([])) == []


# ------------------------------------------------------------------------ pure parts


def test_retry_after_parsing() -> None:
    now = 1_700_000_000.0
    assert _headers.retry_after("120") == 120.0
    assert _headers.retry_after(formatdate(now + 90, usegmt=True), now=now) == pytest.approx(90.0)
    assert _headers.retry_after(formatdate(now - 90, usegmt=True), now=now) == 0.0
    assert _headers.retry_after("soon") is None and _headers.retry_after("-5") is None
    assert _headers.retry_after(None) is None
    assert _headers.retry_after("99999999999") == 366 * 24 * 3600.0


def test_max_age_parsing() -> None:
    assert _headers.max_age({"cache-control": "public, max-age=300"}) == 300.0
    assert _headers.max_age({"cache-control": 'max-age="60", must-revalidate'}) == 60.0
    assert _headers.max_age({"cache-control": "no-cache"}) == 0.0
    assert _headers.max_age({"expires": "0"}) == 0.0
    assert _headers.max_age({"date": formatdate(1000, usegmt=True), "expires": formatdate(1600, usegmt=True)}) == 600.0
    assert _headers.max_age({"cache-control": "max-age=10", "expires": formatdate(0, usegmt=True)}) == 10.0
    assert _headers.max_age({}) is None


@hsettings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=20000), cuts=st.lists(st.integers(min_value=0, max_value=30000), max_size=8),
       coding=st.sampled_from(["gzip", "deflate", "deflate-raw", "br", None]))
def test_bounded_body_decodes_any_split(data: bytes, cuts: list[int], coding: str | None) -> None:
    import brotli

    raw = {"gzip": lambda d: gzip.compress(d), "deflate": zlib.compress, "deflate-raw": lambda d: zlib.compress(d)[2:-4],
           "br": brotli.compress, None: lambda d: d}[coding](data)
    header = coding.removesuffix("-raw") if coding else None
    points = sorted({0, len(raw), *(c % (len(raw) + 1) for c in cuts)})
    body = BoundedBody(header, max_bytes=len(data))
    for a, b in zip(points, points[1:]):
        body.feed(raw[a:b])
    assert body.finish() == data
    if data:
        small = BoundedBody(header, max_bytes=len(data) - 1)
        with pytest.raises(TooLarge):
            for a, b in zip(points, points[1:]):
                small.feed(raw[a:b])
            small.finish()


def test_decoder_rejects_unknown_codings() -> None:
    with pytest.raises(DecodeError):
        BoundedBody("compress", 100)
