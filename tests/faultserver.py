"""A loopback HTTP server of good feeds and hostile faults, for tests and the benchmark.

Binds 127.0.0.1 on a random port, runs in daemon threads, and shuts down promptly even while
handlers are sleeping or trickling (they wait on a stop event, and open sockets are shut).

    with FaultServer(latency=0.1) as srv:
        url = srv.feed_url(3)                    # generated RSS with ETag + Last-Modified
        srv.url("/fault/gzip-bomb")              # a fault endpoint (see FAULTS)
        srv.register_feed("/mine.xml", b"<rss>...</rss>", cache_control="max-age=60")
        srv.requests                             # request log (path, headers, host, status)
        srv.peak_in_flight("127.0.0.1:PORT")     # max concurrent requests seen for that Host

From a script: ``python tests/faultserver.py --port 8765 --items 50 --latency-ms 100``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import random
import socket
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

#: Fault endpoints under /fault/, with what each does (the test suite drives every one).
FAULTS: dict[str, str] = {
    "slow": "sleeps `slow_seconds` (default 30) before answering",
    "trickle": "200, then one byte per `trickle_interval` seconds (default 1) for minutes",
    "status/500": "500 Internal Server Error (any /fault/status/<code> works)",
    "status/404": "404 Not Found",
    "429": "429 with Retry-After: 120 (delta-seconds)",
    "429-date": "429 with Retry-After as an HTTP-date two minutes ahead",
    "503": "503 with Retry-After: 30",
    "redirect/301/3": "three 301 hops, then feed 0 (any /fault/redirect/<code>/<n>)",
    "redirect/302/3": "three 302 hops, then feed 0",
    "redirect-mixed": "301 then 302 then feed 0 (not a permanent move)",
    "loop": "302 to itself",
    "loop-a": "302 to loop-b, which 302s back to loop-a",
    "to-file": "302 to file:///etc/passwd",
    "too-many": "ten 302 hops, then feed 0",
    "no-location": "302 without a Location header",
    "html": "200 text/html page, not a feed",
    "truncated": "200 XML cut off mid-element (correct Content-Length)",
    "gzip": "feed 0 gzip-encoded",
    "deflate": "feed 0 deflate-encoded (zlib-wrapped)",
    "deflate-raw": "feed 0 raw-deflate-encoded (what many servers really send)",
    "br": "feed 0 brotli-encoded",
    "gzip-bomb": "1 MiB of gzip that decodes to 1 GiB of zeros",
    "br-bomb": "a few KiB of brotli that decodes to 1 GiB of zeros",
    "corrupt-gzip": "Content-Encoding: gzip over bytes that are not gzip",
    "huge": "60 MiB body with Content-Length, streamed",
    "huge-chunked": "60 MiB body, chunked (no Content-Length), streamed",
    "stall": "Content-Length promised, half the body sent, then silence",
    "max-age": "feed 0 with Cache-Control: max-age=900",
    "expires": "feed 0 with Date and Expires one hour apart",
}

FEED_EPOCH = 1764300000  # fixed times keep generated feeds identical across runs
_SUBJ = ["Nvidia", "Huawei", "SMIC", "TSMC", "AMD", "Commerce Department", "BIS",
         "a Singapore broker", "Malaysian data centre", "DeepSeek", "Alibaba Cloud"]
_VERB = ["faces new export controls on", "ships throttled", "is investigated over smuggled",
         "unveils domestic rival to", "stockpiles", "reports gray-market demand for",
         "wins licence for", "cuts prices of", "benchmarks", "is sanctioned for"]
_OBJ = ["H100 accelerators", "H20 chips", "A800 GPUs", "Ascend 910C", "HBM memory",
        "B200 clusters", "advanced lithography tools", "AI training clusters"]


def make_rss(i: int, items: int, base_url: str) -> bytes:
    """A deterministic RSS 2.0 feed: ``items`` entries about chips, HTML-escaped descriptions."""
    rnd = random.Random(i)
    parts = []
    for j in range(items):
        title = f"{rnd.choice(_SUBJ)} {rnd.choice(_VERB)} {rnd.choice(_OBJ)} ({i}-{j})"
        date = formatdate(FEED_EPOCH - (i * items + j) * 977, usegmt=True)
        body = " ".join(rnd.choice(_SUBJ + _OBJ) for _ in range(40))
        parts.append(f"<item><title>{title}</title><link>{base_url}/a/{i}/{j}</link>"
                     f"<guid>urn:bench:{i}:{j}</guid><pubDate>{date}</pubDate>"
                     f"<description>&lt;p&gt;{body}&lt;/p&gt;</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Bench feed {i}</title><link>{base_url}/</link>"
            f"<description>generated</description>{''.join(parts)}</channel></rss>").encode()


# ---------------------------------------------------------------------------------- bombs

_BOMBS: dict[str, bytes] = {}
_BOMB_LOCK = threading.Lock()
_BOMB_SIZE = 1 << 30


def _gzip_bomb() -> bytes:
    """1 GiB of zeros as ~1 MiB of gzip, built in well under a second.

    A 1 MiB block of zeros is compressed once and ended with a full flush, which resets the
    compressor's state, so the same compressed block can simply be repeated 1024 times.
    """
    zeros = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty last block
    crc = 0
    for _ in range(_BOMB_SIZE >> 20):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * (_BOMB_SIZE >> 20) + final + struct.pack("<II", crc, _BOMB_SIZE & 0xFFFFFFFF)


def _br_bomb() -> bytes:
    """1 GiB of zeros as brotli (about 1.6 KiB at quality 3; takes ~1.5 s, hence the cache)."""
    import brotli

    zeros = bytes(1 << 20)
    comp = brotli.Compressor(quality=3)
    out = [comp.process(zeros) for _ in range(_BOMB_SIZE >> 20)]
    out.append(comp.finish())
    return b"".join(out)


def bomb(kind: str) -> bytes:
    """The cached bomb ("gzip" or "br"): in memory, and on disk across runs."""
    with _BOMB_LOCK:
        if kind not in _BOMBS:
            path = os.path.join(tempfile.gettempdir(), f"chipwire-faultserver-{kind}-bomb-v1.bin")
            try:
                with open(path, "rb") as fh:
                    _BOMBS[kind] = fh.read()
            except OSError:
                data = _gzip_bomb() if kind == "gzip" else _br_bomb()
                _BOMBS[kind] = data
                try:
                    tmp = f"{path}.{os.getpid()}.tmp"
                    with open(tmp, "wb") as fh:
                        fh.write(data)
                    os.replace(tmp, path)
                except OSError:
                    pass
        return _BOMBS[kind]


# ---------------------------------------------------------------------------------- server


@dataclass
class LoggedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    host: str
    headers: dict[str, str]
    time: float
    status: int | None = None


@dataclass
class _Feed:
    body: bytes
    etag: str | None
    last_modified: str | None
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True
    owner: "FaultServer"

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        self.owner._track(request, True)
        super().process_request(request, client_address)

    def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
        """Clients hanging up mid-response is the point of half these endpoints: stay quiet."""
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def shutdown_request(self, request):  # type: ignore[no-untyped-def]
        self.owner._track(request, False)
        super().shutdown_request(request)


class FaultServer:
    """The loopback server. Thread-safe; start/stop or use as a context manager."""

    def __init__(self, *, latency: float = 0.0, items: int = 20, host: str = "127.0.0.1", port: int = 0,
                 slow_seconds: float = 30.0, trickle_interval: float = 1.0,
                 tls: tuple[str, str] | None = None) -> None:
        self.tls = tls
        """(certfile, keyfile): serve https with that certificate (e.g. a self-signed one)."""
        self.latency = latency
        """Seconds every request waits before being answered (also ``?delay=`` per request)."""
        self.items = items
        """Entries per generated feed (``/feed/<i>.xml``)."""
        self.slow_seconds = slow_seconds
        self.trickle_interval = trickle_interval
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._feeds: dict[str, _Feed] = {}
        self._generated: dict[tuple[int, int], _Feed] = {}
        self._sockets: set[socket.socket] = set()
        self._in_flight: dict[str, int] = {}
        self._peak: dict[str, int] = {}
        self._all_in_flight = 0
        self._all_peak = 0
        self.requests: list[LoggedRequest] = []
        """Every request received, in arrival order."""

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> "FaultServer":
        """Bind and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        self._stop.clear()
        server = _Server((self._host, self._port), _make_handler(self))
        server.owner = self
        if self.tls:
            import ssl

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            # Handshake in the handler thread, not in accept(): a client that rejects the
            # certificate must not stall the serving loop.
            server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="faultserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and cut open connections."""
        server = self._server
        if server is None:
            return
        self._stop.set()
        server.shutdown()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self._host}:{self.port}"

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def url(self, path: str, *, host: str | None = None) -> str:
        """Absolute URL of ``path``; ``host="localhost"`` gives a second politeness host."""
        path = path if path.startswith("/") else "/" + path
        return f"{self.scheme}://{host or self._host}:{self.port}{path}"

    def feed_url(self, i: int, *, host: str | None = None) -> str:
        """URL of generated feed ``i`` (ETag, Last-Modified, conditional GET)."""
        return self.url(f"/feed/{i}.xml", host=host)

    def fault_url(self, name: str, *, host: str | None = None) -> str:
        """URL of a fault endpoint named in ``FAULTS``."""
        return self.url(f"/fault/{name}", host=host)

    # -- content ---------------------------------------------------------------------------

    def register_feed(self, path: str, body: bytes | None = None, *, items: int | None = None, seed: int = 0,
                      etag: str | bool = True, last_modified: str | float | bool = True,
                      content_type: str = "application/rss+xml; charset=utf-8",
                      cache_control: str | None = None, headers: dict[str, str] | None = None) -> str:
        """Serve ``body`` (default: a generated feed) at ``path``; re-register to change it.

        ``etag=True`` derives a strong ETag from the body; ``last_modified=True`` uses now, a
        float is a Unix time, a str is sent as is; ``False`` leaves the header out.
        """
        path = path if path.startswith("/") else "/" + path
        if body is None:
            body = make_rss(seed, self.items if items is None else items, self.base_url)
        tag = ('"' + hashlib.sha1(body).hexdigest() + '"') if etag is True else (etag or None)
        if last_modified is True:
            lm: str | None = formatdate(time.time(), usegmt=True)
        elif isinstance(last_modified, (int, float)) and not isinstance(last_modified, bool):
            lm = formatdate(last_modified, usegmt=True)
        else:
            lm = last_modified or None
        extra = {"Content-Type": content_type, **(headers or {})}
        if cache_control:
            extra["Cache-Control"] = cache_control
        with self._lock:
            self._feeds[path] = _Feed(body, tag, lm, extra)
        return self.url(path)

    def _generated_feed(self, i: int) -> _Feed:
        key = (i, self.items)
        with self._lock:
            feed = self._generated.get(key)
        if feed is None:
            body = make_rss(i, self.items, self.base_url)
            feed = _Feed(body, '"' + hashlib.sha1(body).hexdigest() + '"', formatdate(FEED_EPOCH, usegmt=True),
                         {"Content-Type": "application/rss+xml; charset=utf-8"})
            with self._lock:
                self._generated[key] = feed
        return feed

    def warm_bombs(self) -> None:
        """Build (or load) both bombs now, so timing a fetch of them measures only the client."""
        bomb("gzip")
        bomb("br")

    # -- observation -----------------------------------------------------------------------

    def requests_for(self, path: str) -> list[LoggedRequest]:
        """Logged requests whose path (without query) is ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def peak_in_flight(self, host: str | None = None) -> int:
        """Most requests handled at once for one Host header value, or for all hosts."""
        with self._lock:
            return self._all_peak if host is None else self._peak.get(host, 0)

    def clear_log(self) -> None:
        """Forget logged requests and in-flight peaks (between phases of one test)."""
        with self._lock:
            self.requests.clear()
            self._peak = dict(self._in_flight)
            self._all_peak = self._all_in_flight

    # -- internals -------------------------------------------------------------------------

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._sockets.add if add else self._sockets.discard)(sock)

    def _enter(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(entry)
            n = self._in_flight.get(entry.host, 0) + 1
            self._in_flight[entry.host] = n
            self._peak[entry.host] = max(self._peak.get(entry.host, 0), n)
            self._all_in_flight += 1
            self._all_peak = max(self._all_peak, self._all_in_flight)

    def _leave(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._in_flight[entry.host] -= 1
            self._all_in_flight -= 1

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops first; False means it is stopping."""
        return not self._stop.wait(seconds)


def _not_modified(feed: _Feed, headers: dict[str, str]) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins; If-Modified-Since only without it."""
    inm = headers.get("if-none-match")
    if inm is not None:
        if feed.etag is None:
            return False
        wanted = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in wanted or feed.etag.removeprefix("W/") in wanted
    ims = headers.get("if-modified-since")
    if ims and feed.last_modified:
        try:
            return parsedate_to_datetime(feed.last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def _make_handler(owner: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_owner = owner

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15  # idle keep-alive connections end on their own
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stall
    server_owner: FaultServer
    _entry: LoggedRequest | None = None

    def setup(self) -> None:
        if hasattr(self.request, "do_handshake"):  # https: handshake here, bounded by a timeout
            self.request.settimeout(5)
            self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        if self._entry is not None:
            self._entry.status = code
        super().send_response(code, message)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        owner = self.server_owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = LoggedRequest(self.command, self.path, headers.get("host", ""), headers, time.time())
        self._entry = entry
        owner._enter(entry)
        try:
            query = parse_qs(urlsplit(self.path).query)
            delay = owner.latency + float(query.get("delay", ["0"])[0])
            if delay > 0 and not owner.sleep(delay):
                self.close_connection = True
                return
            self._route(urlsplit(self.path).path, headers)
        except OSError:
            self.close_connection = True  # the client went away (timeouts, caps): expected here
        finally:
            owner._leave(entry)

    # -- helpers ---------------------------------------------------------------------------

    def _send(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, code: int, location: str | None) -> None:
        self._send(code, b"", {"Location": location} if location is not None else {})

    def _serve_feed(self, feed: _Feed, headers: dict[str, str], extra: dict[str, str] | None = None) -> None:
        validators = {}
        if feed.etag:
            validators["ETag"] = feed.etag
        if feed.last_modified:
            validators["Last-Modified"] = feed.last_modified
        if _not_modified(feed, headers):
            self._send(304, b"", {**validators, **{k: v for k, v in feed.headers.items() if k == "Cache-Control"}})
            return
        self._send(200, feed.body, {**feed.headers, **validators, **(extra or {})})

    def _stream(self, chunks: Iterable[bytes], headers: dict[str, str], *, chunked: bool = False,
                interval: float = 0.0) -> None:
        """Send a body piece by piece (never all in memory); close-delimited when no length given."""
        owner = self.server_owner
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "Content-Length" not in headers:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        for piece in chunks:
            if owner._stop.is_set():
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            self.wfile.flush()
            if interval and not owner.sleep(interval):
                break
        else:
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        self.close_connection = self.close_connection or owner._stop.is_set()

    # -- routes ----------------------------------------------------------------------------

    def _route(self, path: str, headers: dict[str, str]) -> None:
        owner = self.server_owner
        with owner._lock:
            registered = owner._feeds.get(path)
        if registered is not None:
            self._serve_feed(registered, headers)
            return
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "feed" and parts[1].endswith(".xml") and parts[1][:-4].isdigit():
            self._serve_feed(owner._generated_feed(int(parts[1][:-4])), headers)
            return
        if parts[0] == "fault" and len(parts) > 1:
            self._fault(parts[1:], headers)
            return
        self._send(404, b"not found", {"Content-Type": "text/plain"})

    def _fault(self, parts: list[str], headers: dict[str, str]) -> None:
        owner = self.server_owner
        name = parts[0]
        feed0 = owner._generated_feed(0)
        rss = {"Content-Type": "application/rss+xml; charset=utf-8"}
        if name == "slow":
            if owner.sleep(owner.slow_seconds):
                self._send(200, feed0.body, rss)
            else:
                self.close_connection = True
        elif name == "trickle":
            text = b'<?xml version="1.0"?><rss version="2.0"><channel>' * 20
            self._stream((text[i : i + 1] for i in range(len(text))), rss, interval=owner.trickle_interval)
        elif name == "status" and len(parts) == 2 and parts[1].isdigit():
            self._send(int(parts[1]), b"<html>error page</html>", {"Content-Type": "text/html"})
        elif name == "429":
            self._send(429, b"slow down", {"Retry-After": "120"})
        elif name == "429-date":
            self._send(429, b"slow down", {"Retry-After": formatdate(time.time() + 120, usegmt=True)})
        elif name == "503":
            self._send(503, b"maintenance", {"Retry-After": "30"})
        elif name == "redirect" and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            code, n = int(parts[1]), int(parts[2])
            self._redirect(code, "/feed/0.xml" if n <= 1 else f"/fault/redirect/{code}/{n - 1}")
        elif name == "redirect-mixed":
            self._redirect(301, "/fault/redirect/302/1")
        elif name == "loop":
            self._redirect(302, "/fault/loop")
        elif name == "loop-a":
            self._redirect(302, owner.url("/fault/loop-b"))
        elif name == "loop-b":
            self._redirect(302, "/fault/loop-a")
        elif name == "to-file":
            self._redirect(302, "file:///etc/passwd")
        elif name == "too-many":
            self._redirect(302, "/fault/redirect/302/10")
        elif name == "no-location":
            self._redirect(302, None)
        elif name == "html":
            self._send(200, b"<!doctype html><html><body><h1>Welcome</h1><p>not a feed</p></body></html>",
                       {"Content-Type": "text/html; charset=utf-8"})
        elif name == "truncated":
            self._send(200, feed0.body[: len(feed0.body) // 2], rss)
        elif name in ("gzip", "deflate", "deflate-raw", "br"):
            if name == "gzip":
                data = gzip.compress(feed0.body)
            elif name == "deflate":
                data = zlib.compress(feed0.body)
            elif name == "deflate-raw":
                data = zlib.compress(feed0.body)[2:-4]
            else:
                import brotli

                data = brotli.compress(feed0.body)
            self._send(200, data, {**rss, "Content-Encoding": name.removesuffix("-raw"), "Vary": "Accept-Encoding"})
        elif name in ("gzip-bomb", "br-bomb"):
            kind = name.removesuffix("-bomb")
            data = bomb(kind)
            self._stream((data[i : i + 65536] for i in range(0, len(data), 65536)),
                         {**rss, "Content-Encoding": kind, "Content-Length": str(len(data))})
        elif name == "corrupt-gzip":
            self._send(200, b"this is not gzip at all" * 10, {**rss, "Content-Encoding": "gzip"})
        elif name in ("huge", "huge-chunked"):
            piece = b"<item><title>x</title></item>" * 2000
            count = (60 << 20) // len(piece)
            extra = {} if name == "huge-chunked" else {"Content-Length": str(count * len(piece))}
            self._stream((piece for _ in range(count)), {**rss, **extra}, chunked=name == "huge-chunked")
        elif name == "stall":
            body = feed0.body
            self.send_response(200)
            for k, v in rss.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            owner.sleep(120)
            self.close_connection = True
        elif name == "max-age":
            self._serve_feed(feed0, headers, {"Cache-Control": "public, max-age=900"})
        elif name == "expires":
            now = time.time()
            self._serve_feed(feed0, headers, {"Date": formatdate(now, usegmt=True),
                                              "Expires": formatdate(now + 3600, usegmt=True)})
        else:
            self._send(404, b"unknown fault", {"Content-Type": "text/plain"})


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted: for benchmarks and manual fault drills."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--items", type=int, default=50, help="entries per /feed/<i>.xml")
    ap.add_argument("--latency-ms", type=float, default=0.0)
    args = ap.parse_args(argv)
    with FaultServer(latency=args.latency_ms / 1000, items=args.items, port=args.port) as srv:
        print(f"serving {srv.base_url}/feed/<i>.xml and {srv.base_url}/fault/<name>", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
