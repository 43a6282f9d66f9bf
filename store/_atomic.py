"""Crash-safe file writes and validated reads.

Why: TinyDB's default JSONStorage rewrites its file in place, so a crash (or SIGKILL) during a
write leaves a torn file. Here every write goes to a temp file in the same directory, is flushed
and fsynced, then ``os.replace``d over the target and the directory is fsynced: a reader (or the
next start) sees either the previous or the new bytes, never a mix.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from ._errors import SCHEMA_VERSION, UNTOUCHED, StoreError

TMP_SUFFIX = ".tmp"

Sig = tuple[int, int, int]
"""(inode, size, mtime_ns): changes whenever another process replaces the file."""


def file_sig(path: Path) -> Sig | None:
    """Cheap identity of a file's current version, or None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def fsync_dir(directory: Path) -> None:
    """Make a rename/unlink in ``directory`` durable (a no-op where directories can't be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes | list[bytes | memoryview]) -> Sig:
    """Replace ``path`` with ``data`` (bytes, or pieces written in order) atomically and durably.

    Returns the new file's sig.
    """
    directory = path.parent
    tmp = directory / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}{TMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for piece in data if isinstance(data, list) else [data]:
            view = memoryview(piece)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        os.fsync(fd)
        st = os.fstat(fd)
    except BaseException as exc:
        os.close(fd)
        _unlink_quietly(tmp)
        _name_the_file(exc, path)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException as exc:
        _unlink_quietly(tmp)
        _name_the_file(exc, path)
        raise
    fsync_dir(directory)
    # The inode and size survive the rename, and rename does not touch the file's mtime.
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _name_the_file(exc: BaseException, path: Path) -> None:
    """A write() that fails with ENOSPC carries no file name: raise one naming ``path``."""
    if isinstance(exc, OSError) and exc.filename is None:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def dump_json(data: Any) -> bytes:
    """Compact JSON; ASCII-escaped so lone surrogates from odd feeds can never fail encoding.

    check_circular is off: store data comes from JSON, so it cannot be cyclic, and the check
    costs a noticeable share of a multi-megabyte month's serialisation.
    """
    return json.dumps(data, separators=(",", ":"), check_circular=False).encode("ascii")


def atomic_write_json(path: Path, data: Any) -> Sig:
    """Serialise then replace atomically (serialising first: a bad value never truncates)."""
    return atomic_write_bytes(path, dump_json(data))


def read_json(path: Path) -> tuple[dict | None, Sig | None]:
    """Read a store JSON file: (data, sig) or (None, None) when it does not exist.

    The sig comes from the same open file as the bytes, so it names exactly the version read.
    Raises StoreError for anything that is not a JSON object; such a file is left untouched.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None, None
    try:
        st = os.fstat(fd)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    hint = UNTOUCHED
    if not raw.strip():
        raise StoreError(path, f"is empty, which chipwire never writes. {hint}")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(path, f"is not valid JSON ({exc}). {hint}") from None
    if not isinstance(data, dict):
        raise StoreError(path, f"does not hold a JSON object. {hint}")
    return data, (st.st_ino, st.st_size, st.st_mtime_ns)


def check_schema(path: Path, schema: Any) -> None:
    """Refuse files from a newer chipwire (or with a nonsense version) so they are never rewritten."""
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise StoreError(path, f"has no valid schema version ({schema!r}). {UNTOUCHED}")
    if schema > SCHEMA_VERSION:
        raise StoreError(
            path,
            f"was written by a newer chipwire (schema {schema}, this one understands {SCHEMA_VERSION}). "
            "It was left untouched; upgrade chipwire to use it.",
        )


def quarantine(path: str | Path) -> Path:
    """Move a bad store file aside (same folder, timestamped name) and return the new path.

    Only ever called on the user's explicit request: the store itself never moves or rewrites a
    file it could not read. Missing files raise FileNotFoundError.
    """
    path = Path(path)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.rename(path, target)
    fsync_dir(path.parent)
    return target


def clean_temp_files(directory: Path) -> int:
    """Delete temp files left by killed writers; call only while holding the writer lock."""
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if entry.name.startswith(".") and entry.name.endswith(TMP_SUFFIX):
            _unlink_quietly(Path(entry.path))
            removed += 1
    return removed


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class AtomicJSONStorage:
    """A TinyDB Storage that reads validated JSON and writes atomically (see module docstring).

    Duck-typed (TinyDB only calls read/write/close) so importing this module does not import
    tinydb. Creates nothing until the first write; ``sig`` tracks the version on disk.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.sig: Sig | None = None
        self.append_table: str | None = None
        """Set (with ``append_keys``) by the caller when the only change since the version on
        disk is new documents in this table, which must be the file's last key."""
        self.append_keys: list[str] = []
        self.last_key: str | None = None
        """A table kept as the file's last key, so later appends to it can take the fast path."""

    def read(self) -> dict | None:
        data, self.sig = read_json(self.path)
        return data

    def write(self, data: dict) -> None:
        body = self._appended(data) if self.append_table else None
        self.append_table, self.append_keys = None, []
        if body is None and self.last_key in data and list(data)[-1] != self.last_key:
            data[self.last_key] = data.pop(self.last_key)  # TinyDB finds tables by name, not order
        self.sig = atomic_write_bytes(self.path, body if body is not None else dump_json(data))

    def _appended(self, data: dict) -> list[bytes | memoryview] | None:
        """The new file as old bytes + the new documents, or None to serialise everything.

        Why: a refresh mostly inserts; re-serialising a multi-megabyte month for a few hundred
        new items was the largest cost of a refresh. Safe only when the bytes on disk are exactly
        the version we hold (same sig) and end with the table's and the root's closing braces.
        The write itself is still the atomic temp + rename.
        """
        table, keys = self.append_table, self.append_keys
        if not keys or self.sig is None or not data or list(data)[-1] != table:
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            st = os.fstat(fd)
            if (st.st_ino, st.st_size, st.st_mtime_ns) != self.sig:
                return None
            raw = bytearray(st.st_size)
            view = memoryview(raw)
            got = 0
            while got < st.st_size:
                n = os.readv(fd, [view[got:]])
                if not n:
                    return None
                got += n
        finally:
            os.close(fd)
        rows = data[table]
        if len(rows) == len(keys):
            if not raw.endswith(b"{}}"):
                return None
            sep = b""
        else:
            if not raw.endswith(b"}}") or raw.endswith(b"{}}"):
                return None
            sep = b","
        fragments = b",".join(dump_json(key) + b":" + dump_json(rows[key]) for key in keys)
        return [memoryview(raw)[:-2], sep, fragments, b"}}"]

    def close(self) -> None:
        """Nothing to release: no handle is held between calls."""
