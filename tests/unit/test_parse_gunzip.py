"""One bounded gunzip for both paths: the HTTP coding (strict) and a body still gzipped (lenient)."""

from __future__ import annotations

import gzip
import time

import pytest

from feeds._decode import BoundedBody, DecodeError, TooLarge, gunzip_bounded
from feeds.parsed import FeedParseError
from feeds.sniff import gunzip_bounded as sniff_gunzip

DOC = b"<rss version='2.0'><channel><title>t</title></channel></rss>\n" * 50


def test_members_trailing_junk_and_truncation_in_the_lenient_mode() -> None:
    two = gzip.compress(DOC) + gzip.compress(DOC)
    assert gunzip_bounded(two, 1 << 20) == DOC * 2
    assert gunzip_bounded(two + b"\0\0\0garbage", 1 << 20) == DOC * 2  # junk after good members
    cut = gunzip_bounded(gzip.compress(DOC * 40)[:-40], 1 << 20)  # a .gz cut short keeps its start
    assert cut and (DOC * 40).startswith(cut)


def test_the_http_coding_stays_strict() -> None:
    body = BoundedBody("gzip", 1 << 20)
    body.feed(gzip.compress(DOC)[:-40])
    with pytest.raises(DecodeError, match="truncated"):
        body.finish()


def test_not_gzip_and_too_large_become_parse_errors() -> None:
    with pytest.raises(FeedParseError) as info:
        sniff_gunzip(b"\x1f\x8bnot really gzip")
    assert info.value.kind == "malformed"
    with pytest.raises(FeedParseError) as info:
        sniff_gunzip(gzip.compress(b"\0" * (4 << 20)), 1 << 20)
    assert info.value.kind == "too-large"
    with pytest.raises(TooLarge):
        gunzip_bounded(gzip.compress(b"\0" * (4 << 20)), 1 << 20)


def test_many_tiny_members_are_linear() -> None:
    """200,000 one-byte members: the input is fed in slices, so no copy of the rest per member."""
    member = gzip.compress(b"x")
    start = time.process_time()
    out = gunzip_bounded(member * 200_000, 1 << 20)
    assert out == b"x" * 200_000
    assert time.process_time() - start < 5.0
