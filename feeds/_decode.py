"""Bounded content decoding: turn a raw (possibly compressed) byte stream into at most N bytes.

Why our own decoders instead of httpx's: httpx decompresses a whole network chunk at once, so a
1 MiB gzip bomb can become a 1 GiB allocation before any size check runs. Here every step asks
the decompressor for at most ``STEP`` bytes of output, and the running total is checked after
each step, so memory stays near ``max_bytes`` whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

#: Largest piece of output one decompression step may produce.
STEP = 64 * 1024

#: Content codings we can bound; only these are advertised in Accept-Encoding.
SUPPORTED = ("gzip", "deflate", "br")


class TooLarge(Exception):
    """The decoded body passed the cap; the fetch stops reading at once."""


class DecodeError(Exception):
    """The body claimed an encoding it does not honour (corrupt, truncated or unknown)."""


class _Decoder:
    """One content coding, fed raw chunks, yielding decoded pieces of at most ``STEP`` bytes."""

    def feed(self, data: bytes) -> Iterator[bytes]:  # pragma: no cover - interface
        raise NotImplementedError

    def finish(self) -> Iterator[bytes]:  # pragma: no cover - interface
        raise NotImplementedError


class _ZlibDecoder(_Decoder):
    """gzip (wbits 31, concatenated members allowed) or deflate (zlib-wrapped, else raw).

    ``lenient`` is for a whole file rather than an HTTP coding: junk after good data ends the
    output instead of failing it, and a truncated last member keeps what it produced (what
    ``zcat`` shows of a ``.gz`` feed cut short).
    """

    def __init__(self, coding: str, *, lenient: bool = False) -> None:
        self._coding = coding
        self._obj: "zlib._Decompress | None" = zlib.decompressobj(31) if coding == "gzip" else None
        self._head = b""  # deflate: bytes held until we can tell zlib-wrapped from raw
        self._done = False
        self._lenient = lenient
        self._produced = False
        self._stopped = False

    def _start_deflate(self, data: bytes) -> bytes:
        # Servers disagree on what "deflate" means: RFC 9110 says zlib-wrapped, many send raw.
        self._head += data
        if len(self._head) < 2:
            return b""
        cmf, flg = self._head[0], self._head[1]
        wrapped = (cmf & 0x0F) == 8 and ((cmf << 8) | flg) % 31 == 0
        self._obj = zlib.decompressobj(15 if wrapped else -15)
        data, self._head = self._head, b""
        return data

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._stopped:
            return
        if self._obj is None:
            data = self._start_deflate(data)
            if self._obj is None:
                return
        while True:
            if self._done:
                data = data.lstrip(b"\0") if self._coding == "gzip" else b""
                if not data:
                    return  # trailing padding/garbage after a finished stream is ignored, as browsers do
                # Another gzip member follows (RFC 1952 allows concatenated members).
                self._obj = zlib.decompressobj(31)
                self._done = False
            try:
                out = self._obj.decompress(data, STEP)
            except zlib.error as exc:
                if self._lenient and self._produced:
                    self._stopped = True  # junk or padding after good data: keep the good part
                    return
                raise DecodeError(f"corrupt {self._coding} data ({exc})") from None
            if out:
                self._produced = True
                yield out
            if self._obj.eof:
                self._done = True
                data = self._obj.unused_data
                continue
            data = self._obj.unconsumed_tail
            # A full step may leave output pending inside zlib even with no input left: ask again.
            if not data and len(out) < STEP:
                return

    def finish(self) -> Iterator[bytes]:
        if self._obj is None:
            if self._head:
                raise DecodeError(f"{self._coding} body too short")
            return iter(())
        if not self._done and not self._lenient:
            raise DecodeError(f"{self._coding} body ended early (truncated)")
        return iter(())


class _BrotliDecoder(_Decoder):
    """brotli through ``Decompressor.process(..., output_buffer_limit=...)``, which bounds each step."""

    def __init__(self) -> None:
        import brotli

        self._brotli = brotli
        self._obj = brotli.Decompressor()

    def _step(self, data: bytes) -> bytes:
        try:
            return self._obj.process(data, output_buffer_limit=STEP)
        except self._brotli.error as exc:
            raise DecodeError(f"corrupt br data ({exc})") from None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._obj.is_finished():
            return  # trailing bytes after the end of the stream are ignored
        out = self._step(data)
        if out:
            yield out
        # While the decoder holds undelivered output it must be fed empty input only.
        while not self._obj.can_accept_more_data() and not self._obj.is_finished():
            out = self._step(b"")
            if not out:
                break
            yield out

    def finish(self) -> Iterator[bytes]:
        # The last input may leave output buffered: drain it, still one bounded step at a time.
        while not self._obj.is_finished():
            out = self._step(b"")
            if not out:
                raise DecodeError("br body ended early (truncated)")
            yield out


class _Identity(_Decoder):
    """No coding: slice big chunks so the cap is checked at the same granularity."""

    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), STEP):
            yield data[start : start + STEP]

    def finish(self) -> Iterator[bytes]:
        return iter(())


def _make(coding: str) -> _Decoder:
    if coding in ("gzip", "x-gzip"):
        return _ZlibDecoder("gzip")
    if coding == "deflate":
        return _ZlibDecoder("deflate")
    if coding == "br":
        return _BrotliDecoder()
    if coding in ("identity", ""):
        return _Identity()
    raise DecodeError(f"unsupported Content-Encoding {coding[:40]!r}")


def codings(header: str | None) -> list[str]:
    """The Content-Encoding list in the order it was applied (first applied first)."""
    if not header:
        return []
    return [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]


class BoundedBody:
    """Accumulates a decoded body from raw chunks; raises ``TooLarge`` past ``max_bytes``.

    Several codings are undone last-applied-first, each stage lazily and in bounded steps, so an
    intermediate stage can never build a large buffer either.
    """

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.raw_bytes = 0
        self._stages = [_make(c) for c in reversed(codings(content_encoding))] or [_Identity()]
        self._parts: list[bytes] = []
        self._size = 0

    def _push(self, level: int, pieces: Iterator[bytes]) -> None:
        if level == len(self._stages):
            for piece in pieces:
                self._size += len(piece)
                if self._size > self.max_bytes:
                    raise TooLarge(f"body larger than {format_size(self.max_bytes)} once decoded")
                self._parts.append(piece)
            return
        stage = self._stages[level]
        for piece in pieces:
            self._push(level + 1, stage.feed(piece))

    def feed(self, raw: bytes) -> None:
        """Decode one raw network chunk (any size) into the body."""
        self.raw_bytes += len(raw)
        self._push(0, iter((raw,)))

    def finish(self) -> bytes:
        """Flush every stage (checking truncation) and return the whole decoded body."""
        for level, stage in enumerate(self._stages):
            self._push(level + 1, stage.finish())
        body = b"".join(self._parts)
        self._parts = [body]
        return body


#: Input slice for :func:`gunzip_bounded`: zlib copies the input it has not consumed at every
#: step, so a whole body as one input would cost a copy of its rest per step (and per member).
_IN_STEP = 64 * 1024


def gunzip_bounded(body: bytes, max_bytes: int) -> bytes:
    """Decompress a whole gzip body (all members) without ever holding much more than ``max_bytes``.

    For bytes that arrive still compressed after the HTTP codings are undone (a feed saved as
    ``.gz``, or gzip-encoded twice); the same decoder as the HTTP path, in lenient mode.

    Raises:
        TooLarge: the output passed ``max_bytes`` (a 1 GiB-of-zeros bomb stops at the cap).
        DecodeError: the bytes are not gzip at all.
    """
    decoder = _ZlibDecoder("gzip", lenient=True)
    out = bytearray()
    for start in range(0, len(body), _IN_STEP):
        for piece in decoder.feed(body[start : start + _IN_STEP]):
            out += piece
            if len(out) > max_bytes:
                raise TooLarge(f"body larger than {format_size(max_bytes)} once decompressed")
    for piece in decoder.finish():
        out += piece
    return bytes(out)


def format_size(n: int) -> str:
    """Human size for messages: 10 MiB, 512 KiB, 900 B."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"
